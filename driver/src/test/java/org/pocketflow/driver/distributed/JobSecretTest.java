package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class JobSecretTest {

    @Test
    void noKeyWithoutSparkAuthentication() {
        assertEquals(0, JobSecret.hmacKey(false, "ignored").length);
        assertEquals(0, JobSecret.hmacKey(false, null).length);
    }

    @Test
    void keyIsDerivedFromTheSecretAndIsNotTheSecret() {
        byte[] a = JobSecret.hmacKey(true, "s3cret");
        assertEquals(32, a.length);
        assertArrayEquals(a, JobSecret.hmacKey(true, "s3cret"));
        assertFalse(Arrays.equals(a, JobSecret.hmacKey(true, "s3cres")));
        assertFalse(Arrays.equals(Arrays.copyOf("s3cret".getBytes(StandardCharsets.UTF_8), 32), a));
    }

    @Test
    void authenticationWithoutASecretSaysHowToFixIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> JobSecret.hmacKey(true, ""));
        assertTrue(e.getMessage().contains("spark.authenticate.secret"), e.getMessage());
    }
}
