package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where the parameter server listens, by master. */
class ServerHostTest {

    @Test
    void autoIsLoopbackLocallyAndTheDriversAddressOnACluster() {
        assertEquals("127.0.0.1", DistributedRequests.serverHost("local[2]", "auto", "10.1.2.3"));
        assertEquals("127.0.0.1", DistributedRequests.serverHost("local-cluster[2,1,1024]", "auto", "10.1.2.3"));
        assertEquals("10.1.2.3", DistributedRequests.serverHost("yarn", "auto", "10.1.2.3"));
        assertEquals("driver-0.svc", DistributedRequests.serverHost("k8s://https://api:6443", "auto", "driver-0.svc"));
    }

    @Test
    void anExplicitAddressIsKeptButLoopbackIsRefusedOnACluster() {
        assertEquals("192.168.0.7", DistributedRequests.serverHost("spark://h:7077", "192.168.0.7", "h"));
        assertEquals("127.0.0.1", DistributedRequests.serverHost("local[2]", "127.0.0.1", "h"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistributedRequests.serverHost("spark://h:7077", "127.0.0.1", "10.1.2.3"));
        assertTrue(e.getMessage().contains("pocketflow.distributed.bind-address = 127.0.0.1")
                && e.getMessage().contains("auto") && e.getMessage().contains("10.1.2.3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DistributedRequests.serverHost("yarn", "localhost", "h"));
    }
}
