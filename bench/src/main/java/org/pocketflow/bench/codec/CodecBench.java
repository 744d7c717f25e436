package org.pocketflow.bench.codec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Optional;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.kernel.Simd;

/**
 * Runs {@link CodecThroughputBenchmark} and {@link Nd4jThresholdBenchmark} at 1M elements (all
 * codecs) and at 25M (ECQ and ND4J only), encodes one LeNet-sized gradient (431,080 elements) per
 * codec for the message sizes, and prints the table of {@code quantized-sgd/README.md} (also
 * written to {@code bench/target/codec-bench.md}).
 *
 * <p>Arguments are JMH options (default {@code -f 1 -wi 2 -i 3 -w 1s -r 1s}); add {@code
 * --skip-25m} to leave out the 25M point. {@code -p codec=...} picks codecs, {@value #ND4J}
 * among them ND4J's threshold pair (without {@code -p codec}, everything runs). Run through Maven:
 * {@code mvn -o -B -pl bench -am -DskipTests -Pbench verify} (see bench/pom.xml).
 */
public final class CodecBench {

    static final int LENET = 431_080;
    private static final String SMALL = "1048576";
    private static final String LARGE = "25000000";
    private static final String ND4J = "nd4j-threshold";

    private CodecBench() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException, IOException {
        boolean skipLarge = false;
        StringBuilder jmh = new StringBuilder();
        for (String a : args) {
            if (a.equals("--skip-25m")) {
                skipLarge = true;
            } else {
                jmh.append(a).append(' ');
            }
        }
        String jmhArgs = jmh.length() > 0 ? jmh.toString().trim() : "-f 1 -wi 2 -i 3 -w 1s -r 1s";
        Options parent = new CommandLineOptions(jmhArgs.split("\\s+"));

        Map<String, Integer> sizes = lenetMessageBytes();
        Map<String, Double> ms = new HashMap<>();
        collect(ms, new Runner(selected(new OptionsBuilder().parent(parent), parent).param("size", SMALL).build()).run());
        if (!skipLarge) {
            collect(ms, new Runner(new OptionsBuilder().parent(parent)
                    .include(CodecThroughputBenchmark.class.getSimpleName())
                    .include(Nd4jThresholdBenchmark.class.getSimpleName())
                    .param("size", LARGE).param("codec", "ecq").build()).run());
        }
        String table = table(sizes, ms, skipLarge, jmhArgs);
        System.out.println(table);
        Path out = Path.of("target", "codec-bench.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    /**
     * Both benchmarks, or the ones {@code -p codec=...} names: {@value #ND4J} in that list stands
     * for {@link Nd4jThresholdBenchmark} (which has no codec parameter), the rest are codecs.
     */
    private static ChainedOptionsBuilder selected(ChainedOptionsBuilder b, Options parent) {
        Optional<Collection<String>> named = parent.getParameter("codec");
        if (!named.hasValue()) {
            return b.include(CodecThroughputBenchmark.class.getSimpleName())
                    .include(Nd4jThresholdBenchmark.class.getSimpleName());
        }
        String[] codecs = named.get().stream().filter(c -> !c.equals(ND4J)).toArray(String[]::new);
        if (codecs.length > 0) {
            b.include(CodecThroughputBenchmark.class.getSimpleName()).param("codec", codecs);
        }
        if (named.get().contains(ND4J)) {
            b.include(Nd4jThresholdBenchmark.class.getSimpleName());
        }
        return b;
    }

    /** Message bytes for one LeNet-sized gradient, per codec and for ND4J's threshold encoding. */
    static Map<String, Integer> lenetMessageBytes() {
        float[] g = BenchCodecs.gradient(LENET, 7);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (Map.Entry<String, GradientCodec> e : BenchCodecs.all().entrySet()) {
            sizes.put(e.getKey(), e.getValue().newEncoder(1).encode(g).sizeBytes());
        }
        INDArray encoded = Nd4j.getExecutioner().thresholdEncode(Nd4j.createFromArray(g), BenchCodecs.TAU);
        sizes.put(ND4J, encoded == null ? 0 : (int) encoded.length() * 4);
        return sizes;
    }

    private static void collect(Map<String, Double> ms, Collection<RunResult> results) {
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            String codec = label.contains(Nd4jThresholdBenchmark.class.getSimpleName()) ? ND4J : r.getParams().getParam("codec");
            ms.put(codec + "/" + method + "/" + r.getParams().getParam("size"), r.getPrimaryResult().getScore());
        }
    }

    /** GB/s of fp32 input for one method, or for encode and decode back to back ("pair"). */
    private static String gbs(Map<String, Double> ms, String codec, String method, String size) {
        Double t = method.equals("pair") ? sum(ms.get(codec + "/encode/" + size), ms.get(codec + "/decode/" + size))
                : ms.get(codec + "/" + method + "/" + size);
        return t == null ? "–" : String.format(Locale.ROOT, "%.2f", 4.0 * Long.parseLong(size) / (t * 1e-3) / 1e9);
    }

    private static Double sum(Double a, Double b) {
        return a == null || b == null ? null : a + b;
    }

    private static String table(Map<String, Integer> sizes, Map<String, Double> ms, boolean skipLarge, String jmhArgs) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "JMH %s, one thread, vector kernels %s, OMP_NUM_THREADS=%s, %s %s%n%n", jmhArgs,
                Simd.ENABLED && !jmhArgs.contains("pocketflow.qsgd.vector=false") ? "on" : "off", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                System.getProperty("java.vm.name"), System.getProperty("java.version")));
        b.append("| codec | bits/element | message bytes (431,080) | encode GB/s | decode GB/s | encode+decode GB/s |"
                + " encode GB/s (25M) | decode GB/s (25M) | encode+decode GB/s (25M) | accuracy |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Integer> e : sizes.entrySet()) {
            String c = e.getKey();
            b.append(String.format(Locale.ROOT, "| %s | %.3f | %,d | %s | %s | %s | %s | %s | %s | pending (item 5) |%n", c,
                    8.0 * e.getValue() / LENET, e.getValue(),
                    gbs(ms, c, "encode", SMALL), gbs(ms, c, "decode", SMALL), gbs(ms, c, "pair", SMALL),
                    skipLarge ? "–" : gbs(ms, c, "encode", LARGE), skipLarge ? "–" : gbs(ms, c, "decode", LARGE),
                    skipLarge ? "–" : gbs(ms, c, "pair", LARGE)));
        }
        b.append("\nGB/s = 4 bytes x elements / time; the first three columns at 1,048,576 elements.\n");
        return b.toString();
    }
}
