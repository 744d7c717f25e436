package org.pocketflow.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.bench.distributed.BenchRow;
import org.pocketflow.bench.distributed.Dl4jMasterRun;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.driver.distributed.DistributedResult;
import org.pocketflow.driver.distributed.DistributedTrainer;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.distributed.DistributedRequest;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.MasterModel;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.PartitionTrainer;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * One run, same model (LeNet), data subset, workers, batch size per worker, epochs, optimizer and
 * initial weights: our parameter-server trainer with IdentityCodec and with EcqCodec (fixed-width
 * and run-length level coding) against DL4J's ParameterAveragingTrainingMaster and
 * SharedTrainingMaster, all on {@code local[workers]}. Prints samples/s, bytes per optimizer step
 * and test accuracy; asserts nothing. Our seconds run from the server's start to its last step
 * (workers' data loading included); DL4J's are the {@code fit} call (data shipping included).
 *
 * <p>{@code bench/bin/run DistributedTrainingBench [train-images] [epochs] [workers] [batch]}
 * (defaults 6400, 1, 2, 32; test on all 10,000 test images).
 *
 * <p>{@code bench/bin/run DistributedTrainingBench codecs [train-images] [epochs] [workers] [batch] [passes]}
 * runs only our trainer, as fp32, run-length ECQ up only, fixed-width and run-length ECQ both ways
 * and codec auto, each on an unlimited, a 1000 Mbit/s and a 100 Mbit/s emulated link ({@code
 * pocketflow.distributed.link-mbit}), and prints auto's decision with its numbers and, per link,
 * auto's samples/s against the best fixed choice of the same pass. A second pass (passes 2) runs
 * the links and the rows of each link in the reverse order, so that a load that changes during the
 * run favours neither end; with more passes the orders alternate, and the last lines give each
 * exchange's median over the passes per link and auto's median against the best fixed median.
 *
 * <p>{@code bench/bin/run DistributedTrainingBench accuracy [train-images] [epochs] [workers] [batch] [seeds]}
 * (seeds a comma-separated list, default {@code 1,2,3,4,5}) runs fp32, ECQ both ways and run-length
 * ECQ both ways on the unlimited link for each seed and prints each exchange's test accuracy, mean
 * and standard deviation, and its paired difference to fp32.
 */
public final class DistributedTrainingBench {
    private static final long SEED = 42;
    private static final int BASELINE_LIMIT_MINUTES = 5;

    private DistributedTrainingBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean codecs = args.length > 0 && args[0].equals("codecs");
        boolean accuracy = args.length > 0 && args[0].equals("accuracy");
        if (codecs || accuracy) {
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        int trainImages = args.length > 0 ? Integer.parseInt(args[0]) : 6400;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        Backend.configure(true);
        List<String> common = List.of("pocketflow.spark.master=local[" + workers + "]", "pocketflow.seed=" + SEED,
                "pocketflow.data.train-limit=" + trainImages, "pocketflow.data.test-limit=0",
                "pocketflow.data.validation-fraction=0", "pocketflow.train.epochs=" + epochs,
                "pocketflow.train.batch-size=" + batch, "pocketflow.train.log-every-steps=1000",
                "pocketflow.distributed.workers=" + workers);
        List<BenchRow> rows = new ArrayList<>();
        if (accuracy) {
            accuracyOverSeeds(common, args.length > 4 ? args[4] : "1,2,3,4,5");
            System.exit(0);
        }
        if (codecs) {
            codecMatrix(common, rows, args.length > 4 ? Integer.parseInt(args[4]) : 1);
            System.out.printf("%nLeNet, Fashion-MNIST %d training images x %d epoch(s), %d workers x batch %d, local[%d], test on"
                    + " 10,000 images, %s%n%n", trainImages, epochs, workers, batch, workers, Backend.describe());
            printTable(rows);
            System.exit(0);
        }
        for (String codec : List.of("identity", "ecq", "ecq-rl")) {
            rows.add(ours(common, codec, "fp32", 0));
        }
        JobConfig config = JobConfig.load(Optional.empty(), common);
        DistributedRequest req = new DistributedRequest(config.get(org.pocketflow.conf.DataKeys.URI), trainImages, 0, "lenet",
                org.pocketflow.driver.BaselineRequests.training(config), SEED, 1, org.pocketflow.qsgd.ps.ExchangeMode.SYNC,
                new org.pocketflow.qsgd.codec.IdentityCodec(), "127.0.0.1", 40_000, null, 1000, true, NopWorkerHook.INSTANCE);
        IdxDataset data = IdxDataset.open(req.dataUri(), trainImages, 0);
        ImageSet train = PartitionTrainer.trainSplit(req, data);
        Normalizer norm = Normalizer.fit(train);
        ComputationGraph initial = MasterModel.initialGraph(req, data);
        TrainingSpec spec = req.training();
        long stepsPerEpoch = (train.size() / workers + batch - 1) / batch;
        rows.add(guard("DL4J ParameterAveragingTrainingMaster", () -> Dl4jMasterRun.parameterAveraging(initial, train, data.test(),
                norm, spec, workers, stepsPerEpoch)));
        rows.add(guard("DL4J SharedTrainingMaster", () -> Dl4jMasterRun.shared(initial, train, data.test(), norm, spec, workers,
                stepsPerEpoch, LoopbackPorts.freeBase(1))));

        System.out.printf("%nLeNet, Fashion-MNIST %d training images x %d epoch(s), %d workers x batch %d, local[%d], test on %d"
                + " images, %s%n%n", train.size(), epochs, workers, batch, workers, data.test().size(), Backend.describe());
        printTable(rows);
        System.exit(0); // a hung baseline's threads must not keep the JVM alive
    }

    private static void printTable(List<BenchRow> rows) {
        System.out.println("| trainer | seconds | samples/s | bytes up per step | bytes down per step | test accuracy | bytes |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(r -> System.out.println(r.markdown()));
    }

    /** fp32, ECQ up only, ECQ both ways and auto on each emulated link, one after the other in this JVM. */
    private static void codecMatrix(List<String> common, List<BenchRow> rows, int passes) throws Exception {
        List<String[]> exchanges = List.of(new String[] {"identity", "fp32"}, new String[] {"ecq-rl", "fp32"},
                new String[] {"ecq", "compressed"}, new String[] {"ecq-rl", "compressed"}, new String[] {"auto", "compressed"});
        List<String> summary = new ArrayList<>();
        for (int pass = 0; pass < passes; pass++) {
            List<Integer> links = new ArrayList<>(List.of(0, 1000, 100));
            List<String[]> order = new ArrayList<>(exchanges);
            if (pass % 2 == 1) {
                java.util.Collections.reverse(links);
                java.util.Collections.reverse(order);
            }
            for (int mbit : links) {
                List<BenchRow> block = new ArrayList<>();
                for (String[] e : order) {
                    block.add(ours(common, e[0], e[1], mbit));
                }
                block.forEach(r -> System.out.println(r.markdown()));
                rows.addAll(block);
                BenchRow auto = block.stream().filter(r -> r.trainer().contains(", auto,")).findFirst().orElseThrow();
                BenchRow best = block.stream().filter(r -> r != auto).max(java.util.Comparator.comparingDouble(
                        BenchRow::samplesPerSecond)).orElseThrow();
                summary.add(String.format(java.util.Locale.ROOT, "pass %d, %s: auto %.0f samples/s, best fixed (%s) %.0f: auto"
                        + " %+.1f%%", pass + 1, mbit == 0 ? "unlimited" : mbit + " Mbit/s", auto.samplesPerSecond(),
                        best.trainer(), best.samplesPerSecond(), 100 * (auto.samplesPerSecond() / best.samplesPerSecond() - 1)));
            }
        }
        System.out.println();
        summary.forEach(System.out::println);
        if (passes > 1) {
            System.out.println();
            medianSummary(rows).forEach(System.out::println);
        }
    }

    /**
     * Test accuracy of fp32, fixed-width and run-length ECQ both ways on the unlimited link, each
     * seed (initial weights, data order, encoders) run with every exchange, then mean and standard
     * deviation per exchange and each compressed exchange's paired difference to fp32.
     */
    private static void accuracyOverSeeds(List<String> common, String seedList) throws Exception {
        List<String[]> exchanges = List.of(new String[] {"identity", "fp32"}, new String[] {"ecq", "compressed"},
                new String[] {"ecq-rl", "compressed"});
        long[] seeds = java.util.Arrays.stream(seedList.split(",")).mapToLong(Long::parseLong).toArray();
        double[][] acc = new double[exchanges.size()][seeds.length];
        for (int k = 0; k < seeds.length; k++) {
            List<String> seeded = new ArrayList<>(common);
            seeded.removeIf(o -> o.startsWith("pocketflow.seed="));
            seeded.add("pocketflow.seed=" + seeds[k]);
            for (int e = 0; e < exchanges.size(); e++) {
                BenchRow r = ours(seeded, exchanges.get(e)[0], exchanges.get(e)[1], 0);
                acc[e][k] = 100 * r.testAccuracy();
                System.out.printf(java.util.Locale.ROOT, "seed %d, %s: test accuracy %.2f%%%n", seeds[k], r.trainer(), acc[e][k]);
            }
        }
        System.out.println();
        for (int e = 0; e < exchanges.size(); e++) {
            double[] diff = new double[seeds.length];
            for (int k = 0; k < seeds.length; k++) {
                diff[k] = acc[e][k] - acc[0][k];
            }
            System.out.printf(java.util.Locale.ROOT, "%s (%s downlink): %.2f ± %.2f%% over %d seeds; against fp32 %+.2f ± %.2f%n",
                    exchanges.get(e)[0], exchanges.get(e)[1], mean(acc[e]), std(acc[e]), seeds.length, mean(diff), std(diff));
        }
    }

    private static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double std(double[] v) {
        double m = mean(v);
        return v.length < 2 ? 0 : Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }

    /**
     * Per link, each exchange's median samples/s over the passes, and auto's median against the best
     * fixed median: a row's speed moves between passes by more than the differences compared (load,
     * its place in the order), and the median of passes run in alternating order weighs neither end.
     */
    static List<String> medianSummary(List<BenchRow> rows) {
        Map<String, Map<String, List<Double>>> byLink = new java.util.LinkedHashMap<>();
        for (BenchRow r : rows) {
            String[] parts = r.trainer().split(", ");
            if (parts.length < 3) {
                continue;
            }
            byLink.computeIfAbsent(parts[2], k -> new java.util.LinkedHashMap<>())
                    .computeIfAbsent(parts[1], k -> new ArrayList<>()).add(r.samplesPerSecond());
        }
        List<String> out = new ArrayList<>();
        for (var link : byLink.entrySet()) {
            Map<String, Double> median = new java.util.LinkedHashMap<>();
            link.getValue().forEach((what, v) -> median.put(what, median(v)));
            Double auto = median.get("auto");
            var best = median.entrySet().stream().filter(e -> !e.getKey().equals("auto"))
                    .max(Map.Entry.comparingByValue()).orElse(null);
            if (auto == null || best == null) {
                continue;
            }
            out.add(String.format(java.util.Locale.ROOT, "median of %d passes, %s: auto %.0f samples/s, best fixed (%s)"
                    + " %.0f: auto %+.1f%%", link.getValue().get("auto").size(), link.getKey(), auto, best.getKey(),
                    best.getValue(), 100 * (auto / best.getValue() - 1)));
        }
        return out;
    }

    private static double median(List<Double> v) {
        List<Double> sorted = new ArrayList<>(v);
        java.util.Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static BenchRow ours(List<String> common, String codec, String downlink, int mbit) throws Exception {
        List<String> o = new ArrayList<>(common);
        o.add("pocketflow.distributed.codec=" + codec);
        o.add("pocketflow.distributed.downlink=" + downlink);
        o.add("pocketflow.distributed.link-mbit=" + mbit);
        o.add("pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(8));
        JobConfig config = JobConfig.load(Optional.empty(), o);
        Path run = Files.createTempDirectory("pf-dist-bench-" + codec);
        List<String> decision = new ArrayList<>();
        try (JavaSparkContext sc = SparkContexts.create(config, "distributed-bench-" + codec)) {
            DistributedResult r = new DistributedTrainer(config, line -> {
                System.out.println(line);
                if (line.startsWith("codec auto chose")) {
                    decision.add(line);
                }
            }, NopWorkerHook.INSTANCE).train(sc, run.toUri().toString());
            String what = codec.equals("identity") ? "fp32" : codec.equals("auto") ? "auto"
                    : codec + (downlink.equals("fp32") ? " up only" : " both ways");
            return new BenchRow("ours, " + what + ", " + (mbit == 0 ? "unlimited" : mbit + " Mbit/s") + " (sync)",
                    r.trainSeconds(), r.samplesPerSecond(), r.gradientBytesPerStep(), r.paramBytesPerStep(), r.testAccuracy(),
                    decision.isEmpty() ? "measured payload bytes" : decision.get(0));
        }
    }

    private interface Run {
        BenchRow run() throws Exception;
    }

    /**
     * Runs a baseline with a time limit: DL4J's SharedTrainingMaster has hung here once after its
     * Aeron transport failed to bind ("Address already in use"), and a hung baseline must not eat
     * the whole run (it is the last one, so its Spark context left open harms no other row).
     */
    private static BenchRow guard(String name, Run run) {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "baseline");
            t.setDaemon(true);
            return t;
        });
        try {
            BenchRow r = pool.submit(run::run).get(BASELINE_LIMIT_MINUTES, TimeUnit.MINUTES);
            System.out.println(r.markdown());
            return r;
        } catch (TimeoutException e) {
            System.out.println(name + " did not finish within " + BASELINE_LIMIT_MINUTES + " minutes");
            return new BenchRow(name + " (did not finish in " + BASELINE_LIMIT_MINUTES + " min)", Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, "hung");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException ee) {
            Throwable e = ee.getCause();
            // a baseline that cannot run is reported as such; ours are not guarded
            System.out.println(name + " failed: " + e);
            e.printStackTrace(System.out);
            return new BenchRow(name + " (failed: " + e.getClass().getSimpleName() + ")", Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, String.valueOf(e.getMessage()));
        } finally {
            pool.shutdownNow();
        }
    }
}
