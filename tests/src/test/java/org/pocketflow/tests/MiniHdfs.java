package org.pocketflow.tests;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An in-process HDFS for a test class: one {@link MiniDFSCluster} with one datanode (so
 * {@code dfs.replication=1}), its storage under {@code target/minidfs/<test class>}, started
 * before the class's {@code @BeforeAll} methods and shut down after its last test. Register it as
 * {@code @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();}.
 */
public final class MiniHdfs implements BeforeAllCallback, AfterAllCallback {
    private MiniDFSCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Configuration conf = new Configuration();
        Path base = Path.of("target", "minidfs", context.getRequiredTestClass().getSimpleName()).toAbsolutePath();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        conf.setInt("dfs.replication", 1);
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.shutdown(true);
            cluster = null;
        }
    }

    /** {@code hdfs://host:port} of the running cluster. */
    public String uri() {
        return running().getURI().toString();
    }

    /** The cluster's file system. */
    public FileSystem fs() throws IOException {
        return running().getFileSystem();
    }

    /** Copies a local file or folder to {@code hdfsPath} and returns its {@code hdfs://} URI. */
    public String copyIn(Path local, String hdfsPath) throws IOException {
        fs().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(hdfsPath));
        return uri() + hdfsPath;
    }

    private MiniDFSCluster running() {
        if (cluster == null) {
            throw new IllegalStateException("the in-process HDFS runs only while the test class does");
        }
        return cluster;
    }
}
