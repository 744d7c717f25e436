package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.IdxFiles;

/**
 * Bad inputs and unusable run directories are refused before any Spark work: exit code 2, one
 * line naming the key or file and the fix, no stack trace, nothing written.
 */
class PreflightTest {
    @TempDir
    Path tmp;

    /** A small, sound four-file IDX dataset (64 training and 16 test images, 28x28) in {@code folder}. */
    static Path tinyDataset(Path folder) {
        return IdxFiles.writeDataset(folder, 64, 16, 28, 28);
    }

    private Cli.Outcome run(Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.data.uri=" + data.toUri(), "--conf", "pocketflow.run.root=" + tmp.resolve("runs")));
        return Cli.run(Cli.withConf(args, extra));
    }

    /** Exit 2, one line that names {@code what}, no stack trace, and Spark never started. */
    private static void refused(Cli.Outcome o, String... what) {
        assertEquals(2, o.code(), o.out() + o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
        assertTrue(o.err().contains("Fix") || o.err().contains("re-install"), o.err());
        assertFalse(o.out().contains("run directory"), "Spark work started: " + o.out());
        for (String w : what) {
            assertTrue(o.err().contains(w), "'" + w + "' not in: " + o.err());
        }
    }

    @Test
    void truncatedIdxFileIsRefusedNamingTheFile() throws Exception {
        Path data = tinyDataset(tmp.resolve("data"));
        Path images = data.resolve(IdxDataset.TRAIN_IMAGES + ".gz");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(whole, whole.length / 2));
        refused(run(data), "pocketflow.data.uri", IdxDataset.TRAIN_IMAGES);
        assertFalse(Files.exists(tmp.resolve("runs")), "no run directory for bad input");
    }

    @Test
    void corruptAndLyingIdxFilesAreRefused() throws Exception {
        Path data = tinyDataset(tmp.resolve("data"));
        byte[] lying = IdxFiles.images(64, 28, 28, new byte[64 * 28 * 28]);
        java.nio.ByteBuffer.wrap(lying).putInt(4, 2_700_000);
        Files.delete(data.resolve(IdxDataset.TEST_IMAGES));
        Files.write(data.resolve(IdxDataset.TEST_IMAGES + ".gz"), IdxFiles.gzip(lying));
        refused(run(data), IdxDataset.TEST_IMAGES, "truncated", "2,700,000");
    }

    @Test
    void missingIdxFileIsRefusedNamingIt() throws Exception {
        Path data = tinyDataset(tmp.resolve("data"));
        Files.delete(data.resolve(IdxDataset.TEST_LABELS));
        refused(run(data), "pocketflow.data.uri", IdxDataset.TEST_LABELS);
    }

    @Test
    void truncatedModelZipIsRefusedAsNotACompleteModelZip() throws Exception {
        Path data = tinyDataset(tmp.resolve("data"));
        Path zip = tmp.resolve("model.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("configuration.json"));
            out.write("{}".getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new java.util.zip.ZipEntry("coefficients.bin"));
            out.write(new byte[200_000]);
        }
        byte[] whole = Files.readAllBytes(zip);
        Files.write(zip, Arrays.copyOf(whole, whole.length - 300));
        refused(run(data, "pocketflow.model.path=" + zip), "pocketflow.model.path", zip.toString(),
                "not a complete DL4J model zip");
        Files.writeString(zip, "not a zip");
        refused(run(data, "pocketflow.model.path=" + zip), "not a complete DL4J model zip");
    }

    @Test
    void unusableRunDirectoriesAreRefusedNamingTheKey() throws Exception {
        Path data = tinyDataset(tmp.resolve("data"));
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        refused(run(data, "pocketflow.run.dir=" + file), "pocketflow.run.dir", "a file is there, not a folder");
        refused(run(data, "pocketflow.run.dir=" + file + "/below"), "pocketflow.run.dir");
        refused(run(data, "pocketflow.run.dir=foo://host/runs/x"), "pocketflow.run.dir", "scheme 'foo'");
        refused(run(data, "pocketflow.run.dir=/proc/pocketflow-run"), "pocketflow.run.dir", "/proc/pocketflow-run");
        refused(run(data, "pocketflow.run.root=foo://host/runs"), "pocketflow.run.root");
    }

    @Test
    void dataAndModelUrisWithAnUnknownSchemeNameTheSchemeAndTheOnesThatWork() throws Exception {
        Path data = tinyDataset(tmp.resolve("data"));
        Cli.Outcome badData = Cli.run("run", "--conf", "pocketflow.spark.master=local[1]", "--conf",
                "pocketflow.data.uri=foo://x/y", "--conf", "pocketflow.run.root=" + tmp.resolve("runs"));
        refused(badData, "pocketflow.data.uri = foo://x/y", "no file system for the scheme 'foo'", "file, hdfs");
        assertFalse(badData.err().contains("not found"), badData.err());
        Cli.Outcome badModel = run(data, "pocketflow.model.path=gs3://bucket/model.zip");
        refused(badModel, "pocketflow.model.path = gs3://bucket/model.zip", "scheme 'gs3'", "file, hdfs");
        refused(run(data, "pocketflow.run.root=foo://host/runs"), "pocketflow.run.root", "scheme 'foo'", "file, hdfs");
    }

    @Test
    void anEmptyJobFileIsRefused() throws Exception {
        Path job = Files.writeString(tmp.resolve("empty.conf"), "# nothing here\n\n");
        Cli.Outcome o = Cli.run("run", job.toString(), "--conf", "pocketflow.run.root=" + tmp.resolve("runs"));
        refused(o, "empty.conf", "sets no key");
    }
}
