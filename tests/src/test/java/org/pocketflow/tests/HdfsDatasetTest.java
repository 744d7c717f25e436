package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.DatasetException;
import org.pocketflow.worker.data.IdxDataset;

/**
 * Reads Fashion-MNIST (or, where it is not installed, small generated IDX files) back through
 * an in-process HDFS: one {@link MiniDFSCluster} with one datanode for the whole class.
 */
class HdfsDatasetTest {
    private static final Path INSTALLED = Path.of("/usr/share/datasets/fashion-mnist");
    private static final String HDFS_FOLDER = "/data/fashion-mnist";

    @TempDir
    static Path generated;

    @RegisterExtension
    static final MiniHdfs HDFS = new MiniHdfs();
    private static Path localFolder;
    private static String hdfsFolderUri;

    @BeforeAll
    static void startClusterAndCopyDataIn() throws IOException {
        localFolder = Files.isDirectory(INSTALLED) ? INSTALLED : writeSmallDataset(generated);
        try (var files = Files.list(localFolder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().contains("-ubyte")).toList()) {
                HDFS.copyIn(file, HDFS_FOLDER + "/" + file.getFileName());
            }
        }
        hdfsFolderUri = HDFS.uri() + HDFS_FOLDER;
    }


    @Test
    void readsTheSameDatasetThroughHdfsAsFromLocalFiles() {
        assertTrue(hdfsFolderUri.startsWith("hdfs://localhost:"), hdfsFolderUri);
        IdxDataset local = IdxDataset.open(localFolder.toUri().toString());
        IdxDataset remote = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> IdxDataset.open(hdfsFolderUri));
        assertEquals(local.train().size(), remote.train().size());
        assertEquals(local.test().size(), remote.test().size());
        assertEquals(local.shape(), remote.shape());
        assertEquals(local.sha256(), remote.sha256());
        assertEquals(local.train(), remote.train());
        assertEquals(local.test(), remote.test());
        assertTrue(remote.sourceFiles().get(0).startsWith("hdfs://"), remote.sourceFiles().get(0));
        if (localFolder.equals(INSTALLED)) {
            assertEquals(60_000, remote.train().size());
            assertEquals(10_000, remote.test().size());
        }
    }

    @Test
    void honoursLimitsOverHdfs() {
        IdxDataset remote = IdxDataset.open(hdfsFolderUri, 100, 10);
        assertEquals(100, remote.train().size());
        assertEquals(10, remote.test().size());
    }

    @Test
    void missingHdfsFolderSaysHowToFixIt() {
        String uri = HDFS.uri() + "/no/such/folder";
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(uri));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST not found at " + uri), e.getMessage());
        assertTrue(e.getMessage().contains("pocketflow.data.uri"), e.getMessage());
    }

    /** Writes 300 train and 50 test random 28x28 images in IDX form (train gzip, test raw). */
    private static Path writeSmallDataset(Path folder) throws IOException {
        SplittableRandom rng = new SplittableRandom(11);
        for (var split : List.of(new Object[] {"train", 300}, new Object[] {"t10k", 50})) {
            String prefix = (String) split[0];
            int count = (Integer) split[1];
            ByteBuffer images = ByteBuffer.allocate(16 + count * 784).putInt(0x803).putInt(count).putInt(28).putInt(28);
            ByteBuffer labels = ByteBuffer.allocate(8 + count).putInt(0x801).putInt(count);
            for (int i = 0; i < count * 784; i++) {
                images.put((byte) rng.nextInt(256));
            }
            for (int i = 0; i < count; i++) {
                labels.put((byte) (i % 10));
            }
            Files.write(folder.resolve(prefix + "-images-idx3-ubyte"), images.array());
            Files.write(folder.resolve(prefix + "-labels-idx1-ubyte"), labels.array());
        }
        return folder;
    }
}
