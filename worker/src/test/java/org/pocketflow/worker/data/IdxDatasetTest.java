package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
    @TempDir
    Path dir;

    @Test
    void opensAFolderOfRawAndGzipFiles() {
        Path folder = dir.resolve("fashion-mnist");
        IdxFiles.writeDataset(folder, 30, 12, 5, 4);
        IdxDataset dataset = IdxDataset.open(folder.toString());
        assertEquals("fashion-mnist", dataset.name());
        assertEquals(new ImageShape(1, 5, 4), dataset.shape());
        assertEquals(10, dataset.classes());
        assertEquals(30, dataset.train().size());
        assertEquals(12, dataset.test().size());
        assertEquals(3, dataset.train().classCounts()[9]);
    }

    @Test
    void anotherIdxDataSetHasTheClassesItsLabelsSayWhateverTheLimit() {
        // EMNIST-like: 26 letters, 32x32 images; the last class appears only late in the test file
        byte[] train = IdxFiles.cyclicLabels(52, 25);
        byte[] test = IdxFiles.cyclicLabels(20, 25);
        test[19] = 25;
        Path letters = dir.resolve("emnist-letters");
        IdxFiles.write(letters, IdxDataset.TRAIN_IMAGES, IdxFiles.images(52, 32, 32, IdxFiles.randomPixels(52 * 32 * 32, 1)));
        IdxFiles.write(letters, IdxDataset.TRAIN_LABELS, IdxFiles.labels(train));
        IdxFiles.write(letters, IdxDataset.TEST_IMAGES + ".gz",
                IdxFiles.gzip(IdxFiles.images(20, 32, 32, IdxFiles.randomPixels(20 * 32 * 32, 2))));
        IdxFiles.write(letters, IdxDataset.TEST_LABELS + ".gz", IdxFiles.gzip(IdxFiles.labels(test)));
        IdxDataset all = IdxDataset.open(letters.toString() + "/");
        assertEquals("emnist-letters", all.name(), "named after its folder, not fashion-mnist");
        assertEquals(26, all.classes());
        assertEquals(new ImageShape(1, 32, 32), all.shape());
        assertEquals(1, all.test().classCounts()[25]);
        assertEquals(26, IdxDataset.open(letters.toString(), 1, 1).classes(), "the limit does not change the classes");
    }

    @Test
    void hashesTheRawBytesOfTheFourFilesInOrder() throws Exception {
        IdxFiles.writeDataset(dir, 30, 12, 5, 4);
        IdxDataset dataset = IdxDataset.open(dir.toUri().toString());
        List<String> names = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < names.size(); i++) {
            all.write(Files.readAllBytes(dir.resolve(names.get(i))));
            assertTrue(dataset.sourceFiles().get(i).endsWith("/" + names.get(i)), dataset.sourceFiles().get(i));
            assertTrue(dataset.sourceFiles().get(i).startsWith("file:"), dataset.sourceFiles().get(i));
        }
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.toByteArray()));
        assertEquals(expected, dataset.sha256());
    }

    @Test
    void limitsKeepTheFirstImagesButHashWholeFiles() {
        IdxFiles.writeDataset(dir, 30, 12, 5, 4);
        IdxDataset full = IdxDataset.open(dir.toString());
        IdxDataset limited = IdxDataset.open(dir.toString(), 7, 3);
        assertEquals(full.train().limit(7), limited.train());
        assertEquals(full.test().limit(3), limited.test());
        assertEquals(full.sha256(), limited.sha256());
    }

    @Test
    void missingFileNamesItAndHowToInstall() {
        IdxFiles.writeDataset(dir, 30, 12, 5, 4);
        dir.resolve("t10k-labels-idx1-ubyte").toFile().delete();
        DatasetException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(DatasetException.class, () -> IdxDataset.open(dir.toString())));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST not found at " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte[.gz] is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains("pocketflow.data.uri"), e.getMessage());
    }

    @Test
    void missingFolderSaysHowToInstall() {
        String uri = dir.resolve("nowhere").toUri().toString();
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.open(uri));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST not found at " + uri), e.getMessage());
        assertTrue(e.getMessage().contains("sudo apt-get install dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void differentFilesGiveADifferentHash() {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        a.toFile().mkdirs();
        b.toFile().mkdirs();
        IdxFiles.writeDataset(a, 30, 12, 5, 4);
        IdxFiles.writeDataset(b, 30, 11, 5, 4);
        assertNotEquals(IdxDataset.open(a.toString()).sha256(), IdxDataset.open(b.toString()).sha256());
    }
}
