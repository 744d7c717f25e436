package org.pocketflow.bench;

import java.util.Arrays;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.export.onnx.OnnxExporter;
import org.pocketflow.worker.export.onnx.OnnxModel;
import org.pocketflow.worker.export.onnx.OnnxParity;
import org.pocketflow.worker.export.onnx.OnnxRuntimeSession;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.CompressedModel;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerRun;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;
import org.pocketflow.worker.export.onnx.OnnxTestNetworks;

/**
 * ONNX export figures: LeNet, ResNet-20 and an inception-style concat network (12- and 20-channel
 * branches, a residual add across the concat, a depthwise-separable block, global average
 * pooling), each trained one epoch on a Fashion-MNIST subset and quantized to 8-bit weights
 * without fine-tuning; then parity of {@code model.onnx} in ONNX Runtime against DL4J on test
 * images, file sizes ({@code model.onnx} against {@code model.pfpk}), and latency at batch 1 and
 * 64 of DL4J (batch norms folded, oneDNN on) and ONNX Runtime with 1 and 2 intra-op threads,
 * timed round-robin (one run of each per round) so that all see the same load; medians.
 *
 * <p>Run: {@code bench/bin/run OnnxBench [trainImages] [testImages] [iterations] [warmup] [outDir]}
 * (defaults 3000, 2000, 100, 30; with {@code outDir} each model is also written there as
 * {@code NAME.onnx}, e.g. to check it with {@code onnx.checker}). Needs Debian's {@code dataset-fashion-mnist}. Prints figures;
 * asserts nothing.
 */
public final class OnnxBench {
    private static final String DATA = "file:///usr/share/datasets/fashion-mnist";

    private OnnxBench() {
    }

    public static void main(String[] args) {
        int trainImages = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int testImages = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        String outDir = args.length > 4 ? args[4] : null;
        boolean onednn = Backend.configure(true);
        IdxDataset data = IdxDataset.open(DATA, trainImages, testImages);
        ImageSet train = data.train();
        Normalizer norm = Normalizer.fit(train);
        System.out.printf("ONNX export: 1 epoch on %d images, uniform 8-bit weights, parity on %d test images; "
                        + "latency round-robin, %d iterations after %d warm-up, median; oneDNN %s, %d cores%n",
                trainImages, testImages, iterations, warmup, onednn ? "on" : "off",
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-9s %8s %8s %8s %10s %10s %8s | %9s %9s %9s %9s | %9s %9s %9s %9s%n", "network",
                "DL4J top1", "ONNX top1", "diff pt", "max dprob", "onnx B", "pfpk B", "b1 DL4J", "b1 ORT1", "b1 ORT2",
                "b1 QDQ1", "b64 DL4J", "b64 ORT1", "b64 ORT2", "b64 QDQ1");
        for (String name : new String[]{"lenet", "resnet20", "concat"}) {
            ComputationGraph g = switch (name) {
                case "lenet" -> Architecture.LENET.factory().create(data.shape(), data.classes(), 3);
                case "resnet20" -> Architecture.RESNET20.factory().create(data.shape(), data.classes(), 3);
                default -> OnnxTestNetworks.concatNet(data.shape(), data.classes(), 3);
            };
            TrainingSpec spec = new TrainingSpec(1, 64, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 1000);
            g = Trainer.withOptimizer(g, spec, train.batchCount(64));
            new Trainer(spec, s -> { }).fit(g, new ImageSetEpochs(train, norm, 64, 3));
            CompressedModel m = LearnerRun.run(new UniformQuantLearner(), g, data.shape(), Map.of(), Budget.bits(8),
                    FineTuneSpec.none(), new ImageSetEpochs(train, norm, 64, 3), Map.of("seed", "3"), s -> { });
            OnnxModel onnx = OnnxExporter.export(m.graph(), m.packed().tensors(), data.shape(), norm, Map.of());
            long packed = PackedModelFile.toBytes(m.packed()).length;
            if (outDir != null) {
                onnx.write(java.nio.file.Path.of(outDir, name + ".onnx").toUri().toString());
            }
            ComputationGraph folded = BatchNormFolding.fold(m.graph());
            try (OnnxRuntimeSession one = new OnnxRuntimeSession(onnx, 1);
                 OnnxRuntimeSession two = new OnnxRuntimeSession(onnx, 2);
                 OnnxRuntimeSession qdq = new OnnxRuntimeSession(onnx, 1, false)) {
                OnnxParity p = OnnxParity.measure(m.graph(), one, data.test(), norm);
                double[] b1 = roundRobin(folded, one, two, qdq, data.shape(), 1, warmup, iterations);
                double[] b64 = roundRobin(folded, one, two, qdq, data.shape(), 64, warmup, iterations);
                System.out.printf("%-9s %8.4f %8.4f %+8.2f %10.2e %10d %8d | %9.3f %9.3f %9.3f %9.3f | %9.3f %9.3f "
                                + "%9.3f %9.3f%n", name, p.dl4jAccuracy(), p.onnxAccuracy(), p.top1DifferencePoints(),
                        p.maxProbabilityDifference(), onnx.bytes().length, packed, b1[0], b1[1], b1[2], b1[3], b64[0],
                        b64[1], b64[2], b64[3]);
            }
        }
    }

    /**
     * Median milliseconds of DL4J, ONNX Runtime with 1 thread and with 2 (weights dequantized at
     * load), and with 1 thread dequantizing on every run; one run of each per round.
     */
    private static double[] roundRobin(ComputationGraph dl4j, OnnxRuntimeSession one, OnnxRuntimeSession two,
                                       OnnxRuntimeSession qdq, ImageShape shape, int batch, int warmup, int iterations) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        float[] raw = new float[batch * shape.pixels()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = rnd.nextInt(256);
        }
        INDArray x = Nd4j.create(raw, new long[]{batch, shape.channels(), shape.height(), shape.width()}, 'c')
                .castTo(DataType.FLOAT);
        double[][] t = new double[4][iterations];
        for (int i = -warmup; i < iterations; i++) {
            long s0 = System.nanoTime();
            dl4j.outputSingle(false, x);
            long s1 = System.nanoTime();
            one.run(raw, batch);
            long s2 = System.nanoTime();
            two.run(raw, batch);
            long s3 = System.nanoTime();
            qdq.run(raw, batch);
            long s4 = System.nanoTime();
            if (i >= 0) {
                t[3][i] = (s4 - s3) / 1e6;
                t[0][i] = (s1 - s0) / 1e6;
                t[1][i] = (s2 - s1) / 1e6;
                t[2][i] = (s3 - s2) / 1e6;
            }
        }
        double[] out = new double[4];
        for (int k = 0; k < 4; k++) {
            Arrays.sort(t[k]);
            out[k] = t[k][iterations / 2];
        }
        return out;
    }
}
