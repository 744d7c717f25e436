package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pocketflow.driver.search.TrialState;
import org.pocketflow.driver.study.JsonLinesTrialStore;
import org.pocketflow.driver.study.TrialRecord;

/**
 * The trial store on HDFS after its writer died holding the file open for append, with half a
 * record written: the next store recovers the lease, truncates the torn line and appends.
 */
class HdfsTrialStoreTest {
    private static MiniDFSCluster cluster;
    private static Configuration conf;

    @BeforeAll
    static void startCluster() throws IOException {
        conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR,
                Path.of("target", "minidfs", HdfsTrialStoreTest.class.getSimpleName()).toAbsolutePath().toString());
        conf.setInt("dfs.replication", 1); // one datanode: appends must not look for a second one
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        FileSystem.get(cluster.getURI(), conf); // the cached instance the store will use carries this conf
    }

    @AfterAll
    static void shutDown() {
        if (cluster != null) {
            cluster.shutdown(true);
        }
    }

    private static TrialRecord record(int trial) {
        return new TrialRecord(trial, TrialState.RUNNING, -1, Map.of("conv2", 0.5), Double.NaN, "", null, 0, trial);
    }

    @Test
    void recoversTheLeaseAndTheTornLineOfAWriterThatDiedWithTheFileOpen() throws Exception {
        String uri = cluster.getURI() + "/runs/study/trials.jsonl";
        JsonLinesTrialStore store = new JsonLinesTrialStore(uri);
        for (int i = 0; i < 5; i++) {
            store.append(record(i));
        }
        // another client (another lease holder) appends half a record and dies without closing
        FileSystem dead = FileSystem.newInstance(cluster.getURI(), conf);
        FSDataOutputStream out = dead.append(new org.apache.hadoop.fs.Path(uri));
        out.write("{\"v\":1,\"crc32\":\"0badf00d\",\"record\":{\"trial\":5,".getBytes(StandardCharsets.UTF_8));
        out.hflush();

        JsonLinesTrialStore next = new JsonLinesTrialStore(uri);
        assertEquals(5, next.load().size());
        next.append(record(5));
        List<TrialRecord> back = new JsonLinesTrialStore(uri).load();
        assertEquals(6, back.size());
        for (int i = 0; i < back.size(); i++) {
            assertEquals(i, back.get(i).trial());
        }
    }
}
