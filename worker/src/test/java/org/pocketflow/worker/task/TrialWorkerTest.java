package org.pocketflow.worker.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.ServerConfig;
import org.pocketflow.qsgd.ps.TrainingResult;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.distributed.JvmAeron;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * A trial's rung through the parameter server ({@link TrialMaster} on the server's side, {@link
 * TrialWorker}s in threads, real Aeron on loopback) against the same rung fine-tuned locally
 * ({@link TrialRun#execute}), for every learner.
 */
class TrialWorkerTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    private static final byte[] KEY = "trial-key".getBytes();

    private static final Map<Architecture, byte[]> BASES = new EnumMap<>(Architecture.class);

    /** A LeNet trained for one epoch on 1024 images, so that every learner starts from a network that has learned something. */
    static byte[] baseZip() throws Exception {
        return baseZip(Architecture.LENET);
    }

    /** {@code arch} trained for one epoch on 1024 images. */
    private static synchronized byte[] baseZip(Architecture arch) throws Exception {
        byte[] cached = BASES.get(arch);
        if (cached != null) {
            return cached;
        }
        ComputationGraph g = arch.factory().create(new ImageShape(1, 28, 28), 10, 3);
        TrainingSpec spec = new TrainingSpec(1, 32, 0.01, 0.9, 0, TrainingSpec.LrSchedule.CONSTANT, 3, 1000);
        ImageSet train = IdxDataset.open("file://" + DATA, 1024, 1).train();
        g = Trainer.withOptimizer(g, spec, train.batchCount(32));
        new Trainer(spec, line -> { }).fit(g, new ImageSetEpochs(train, Normalizer.fit(train), 32, 3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, out, false);
        BASES.put(arch, out.toByteArray());
        return BASES.get(arch);
    }

    static TrialRequest request(Path dir, String learner, Budget budget, FineTuneSpec ft, int rung, double from,
                                        double to, String resume) {
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file://" + DATA, 640, 200, 0.2, 5, learner,
                new LearnerOptions(true, "l1", 1, 0), budget, true, 0, 1, Map.of("seed", "5"));
        return new TrialRequest(ctx, 7, rung, from, to, Map.of(), ft, resume, dir.toUri().toString());
    }

    static FineTuneSpec fineTune(double lr) {
        return FineTuneSpec.of(new TrainingSpec(1, 32, lr, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 9, 1000));
    }

    /**
     * Every learner: one worker through the server equals the local fine-tune bit for bit (the
     * server's optimizer rounds as DL4J's updater does), so sparsity masks decided by magnitude and
     * weights projected onto quantization levels come out the same too.
     */
    static Stream<Arguments> learners() {
        Budget chain = Budget.macs(0.5).withAverageBits(4);
        return Stream.of(
                Arguments.of("channel-pruning", Budget.macs(0.5), fineTune(0.01)),
                Arguments.of("weight-sparsity", Budget.sparse(0.75), fineTune(0.01)),
                Arguments.of("uniform-quant", Budget.bits(4), fineTune(0.01)),
                Arguments.of("nonuniform-quant", Budget.bits(4), fineTune(0.01)),
                Arguments.of("channel-pruning+uniform-quant", chain, fineTune(0.01)),
                Arguments.of("channel-pruning+nonuniform-quant", chain, fineTune(0.01)),
                Arguments.of("channel-pruning", Budget.macs(0.5), fineTune(0.01).withDistillation(0.5, 4)));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("learners")
    void oneWorkerThroughTheServerReproducesTheLocalFineTune(String learner, Budget budget, FineTuneSpec ft,
                                                             @TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        byte[] base = baseZip();
        assertTrue(TrialRun.testAccuracy(request(tmp, learner, budget, ft, 0, 0, 1, "").context(), writeBase(tmp, base)) > 0.5,
                "the base network has learned");
        TrialResult local = TrialRun.execute(request(tmp.resolve("local"), learner, budget, ft, 0, 0, 1, ""), base,
                line -> { });
        TrialResult server = throughServer(request(tmp.resolve("server"), learner, budget, ft, 0, 0, 1, ""), base, 1);
        assertEquals(TrialResult.COMPLETE, local.status(), local.reason());
        assertEquals(TrialResult.COMPLETE, server.status(), server.reason());
        assertEquals(local.macs(), server.macs(), learner + ": the same network");
        float[] a = ModelFiles.load(local.checkpoint()).params().toFloatVector();
        float[] b = ModelFiles.load(server.checkpoint()).params().toFloatVector();
        double maxDiff = maxAbsDiff(a, b);
        System.out.printf("[trial-worker] %s%s: max |server - local| %.3g, validation %.4f vs %.4f, packed tensors %d vs %d"
                        + " bytes%n", learner, ft.distills() ? " (distilled)" : "", maxDiff, server.validationAccuracy(),
                local.validationAccuracy(), server.tensorBytes(), local.tensorBytes());
        assertArrayEquals(a, b, 0f, learner + ": server differs from local by up to " + maxDiff);
        assertEquals(local.tensorBytes(), server.tensorBytes(), learner + ": the same packed tensors");
        assertEquals(local.validationAccuracy(), server.validationAccuracy(), 0.01, learner + ": validation accuracy");
    }

    /**
     * MobileNet's depthwise layers through the trial path: a channel-pruning fine-tune (depthwise
     * channels cut with the pointwise conv that feeds them) through the server equals the local
     * one bit for bit, as plain training does ({@code ZooDistributedTest}).
     */
    @Test
    void aMobileNetFineTuneThroughTheServerEqualsTheLocalOne(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        byte[] base = baseZip(Architecture.MOBILENET);
        TrialResult local = TrialRun.execute(request(tmp.resolve("local"), "channel-pruning", Budget.macs(0.5), fineTune(0.01),
                0, 0, 1, ""), base, line -> { });
        TrialResult server = throughServer(request(tmp.resolve("server"), "channel-pruning", Budget.macs(0.5), fineTune(0.01),
                0, 0, 1, ""), base, 1);
        assertEquals(TrialResult.COMPLETE, local.status(), local.reason());
        assertEquals(TrialResult.COMPLETE, server.status(), server.reason());
        float[] a = ModelFiles.load(local.checkpoint()).params().toFloatVector();
        float[] b = ModelFiles.load(server.checkpoint()).params().toFloatVector();
        float[] before = ModelFiles.load(writeBase(tmp, base)).params().toFloatVector();
        assertTrue(a.length < before.length, "channels were cut: " + a.length + " of " + before.length + " parameters");
        assertArrayEquals(a, b, 0f, "mobilenet: the server's fine-tune equals the local one");
    }

    @Test
    void twoWorkersShareTheStepsAndKeepTheSparsity(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        byte[] base = baseZip();
        TrialRequest req = request(tmp, "weight-sparsity", Budget.sparse(0.75), fineTune(0.01), 0, 0, 1, "");
        TrialResult r = throughServer(req, base, 2);
        assertEquals(TrialResult.COMPLETE, r.status(), r.reason());
        float[] w = ModelFiles.load(r.checkpoint()).params().toFloatVector();
        int zeros = 0;
        for (float v : w) {
            if (v == 0f) {
                zeros++;
            }
        }
        assertTrue(zeros > 0.6 * w.length, "75% of the prunable weights zero: " + zeros + " of " + w.length);
        assertTrue(r.validationAccuracy() > 0.5, "validation accuracy " + r.validationAccuracy());
    }

    /** The largest element-wise difference of two parameter vectors of equal length. */
    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static String writeBase(Path dir, byte[] zip) throws Exception {
        Path f = dir.resolve("base.zip");
        Files.write(f, zip);
        return f.toUri().toString();
    }

    /** Runs {@code req} on {@code workers} worker threads through a parameter server in this JVM. */
    static TrialResult throughServer(TrialRequest req, byte[] base, int workers) throws Exception {
        TrialMaster master = TrialMaster.prepare(req, base, workers, 0, line -> { });
        int port = LoopbackPorts.freeBase(workers);
        ServerConfig config = new ServerConfig(new Address(Address.LOOPBACK, port), workers, ExchangeMode.SYNC, 0, 60_000,
                120_000, master.totalSteps(), KEY, null, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try (ParameterServer server = new ParameterServer(JvmAeron.get(), config, new IdentityCodec(), master.optimizer(),
                master.initialParams())) {
            server.start();
            TrialWorkerRequest wr = new TrialWorkerRequest(req, workers, new IdentityCodec(), Address.LOOPBACK, port, 60_000,
                    KEY, null, 0L, 0, false);
            List<Future<WorkerReport>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int id = w;
                futures.add(pool.submit(() -> TrialWorker.run(wr, base, id, 0, Address.LOOPBACK, JvmAeron.get(), line -> { })));
            }
            TrainingResult result = server.await(10, TimeUnit.MINUTES);
            for (Future<WorkerReport> f : futures) {
                assertEquals(WorkerReport.Outcome.FINISHED, f.get(2, TimeUnit.MINUTES).outcome());
            }
            assertEquals(master.totalSteps(), result.stats().step());
            return master.finish(result.params());
        } finally {
            pool.shutdownNow();
        }
    }
}
