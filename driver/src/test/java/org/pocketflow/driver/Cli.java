package org.pocketflow.driver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Runs {@code PocketFlowMain}'s command line in this JVM, as the launcher would, capturing its output. */
public final class Cli {

    /** Exit code and what the command printed. */
    public record Outcome(int code, String out, String err) {
    }

    private Cli() {
    }

    /** {@code pocketflow ARGS...} in this JVM. */
    public static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PocketFlowMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code pocketflow ARGS...} in this JVM. */
    public static Outcome run(List<String> args) {
        return run(args.toArray(String[]::new));
    }

    /** {@code args} followed by {@code --conf C} for each of {@code conf}: a test's fixed job and one run's overrides. */
    public static String[] withConf(List<String> args, String... conf) {
        List<String> all = new ArrayList<>(args);
        for (String c : conf) {
            all.add("--conf");
            all.add(c);
        }
        return all.toArray(String[]::new);
    }

    /**
     * A short job in {@code runDir} on {@code master}: the base LeNet trained one epoch on the first
     * 3,000 Fashion-MNIST training images, tested on 500, one fine-tuning epoch, seed 11, latency
     * timed briefly; then {@code conf} (the test's algorithm and settings).
     */
    public static List<String> subsetJob(Path runDir, String master, String... conf) {
        List<String> fixed = new ArrayList<>(List.of("pocketflow.spark.master=" + master, "pocketflow.run.dir=" + runDir,
                "pocketflow.data.train-limit=3000", "pocketflow.data.test-limit=500", "pocketflow.train.epochs=1",
                "pocketflow.eval.latency-warmup=1", "pocketflow.eval.latency-iterations=2",
                "pocketflow.learn.fine-tune-epochs=1", "pocketflow.seed=11"));
        fixed.addAll(List.of(conf));
        return List.of(withConf(List.of("run"), fixed.toArray(String[]::new)));
    }

    /** The {@code report.json} a job wrote to {@code runDir}. */
    public static JsonNode report(Path runDir) throws IOException {
        return Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
    }
}
