package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.tests.AliasFileSystem;

/**
 * A job's {@code --conf spark.hadoop.*} settings reach the project's own file I/O: with the data
 * and the run root under a scheme that only {@code spark.hadoop.fs.pfalias.impl} defines, the
 * preflight, the run directory, the executor's data reader and the model files all work.
 */
class HadoopSettingsEndToEndTest {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path tmp;

    private int run(ByteArrayOutputStream err, String... args) {
        return PocketFlowMain.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aFileSystemDefinedOnlyBySparkHadoopSettingsServesTheWholeJob() throws Exception {
        assertTrue(Files.isDirectory(FASHION), "Fashion-MNIST is installed by .ci/run");
        String[] job = {"run", "--conf", "pocketflow.spark.master=local[1]",
            "--conf", "pocketflow.data.uri=" + AliasFileSystem.uri(FASHION),
            "--conf", "pocketflow.run.root=" + AliasFileSystem.uri(tmp.resolve("runs")),
            "--conf", "pocketflow.data.train-limit=600", "--conf", "pocketflow.data.test-limit=200",
            "--conf", "pocketflow.train.epochs=1", "--conf", "pocketflow.job.name=alias"};

        ByteArrayOutputStream without = new ByteArrayOutputStream();
        assertEquals(2, run(without, job), "the scheme is unknown without the setting: " + without);

        String[] withSetting = Stream.concat(Stream.of(job), Stream.of("--conf", AliasFileSystem.SPARK_SETTING,
                "--conf", AliasFileSystem.SPARK_CONTEXT_SETTING))
                .toArray(String[]::new);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(err, withSetting), err.toString(StandardCharsets.UTF_8));
        try (Stream<Path> runs = Files.list(tmp.resolve("runs"))) {
            Path dir = runs.findFirst().orElseThrow();
            assertTrue(Files.exists(dir.resolve("model.zip")) && Files.exists(dir.resolve("report.json")), dir.toString());
            assertTrue(Files.readString(dir.resolve("report.json")).contains("\"succeeded\""));
        }
    }
}
