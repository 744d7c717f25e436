package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.weightinit.impl.XavierInitScheme;
import org.nd4j.weightinit.impl.ZeroInitScheme;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * The same LeNet trained through DL4J's layers and through SameDiff (the same ND4J native build,
 * oneDNN on), on the same pre-assembled batches, SGD with Nesterov momentum 0.9 and weight decay
 * 5e-4, rounds alternating between the two so that load hits both alike: whether SameDiff's
 * training path is faster than DL4J's layer path on this network.
 *
 * <p>Run: {@code bench/bin/run SameDiffLeNetBench [steps=100] [rounds=3]}. Prints figures;
 * asserts nothing.
 */
public final class SameDiffLeNetBench {
    private static final int BATCH = 64;

    private SameDiffLeNetBench() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean onednn = Backend.configure(true);
        ImageSet train = IdxDataset.open(IdxDataset.DEFAULT_URI, BATCH * steps, 0).train();
        Normalizer norm = Normalizer.fit(train);
        List<DataSet> batches = new ArrayList<>();
        train.batches(BATCH, norm, 7, 0).forEachRemaining(batches::add);
        TrainingSpec spec = new TrainingSpec(1, BATCH, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph dl4j = Trainer.withOptimizer(
                Architecture.LENET.factory().create(train.shape(), train.classes(), 1), spec, steps);
        SameDiff sd = lenet();
        double[] layerPath = new double[rounds];
        double[] sameDiff = new double[rounds];
        for (int r = -1; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (DataSet b : batches) {
                dl4j.fit(b);
            }
            long t1 = System.nanoTime();
            for (DataSet b : batches) {
                sd.fit(b);
            }
            long t2 = System.nanoTime();
            if (r >= 0) {
                layerPath[r] = batches.size() * BATCH / ((t1 - t0) / 1e9);
                sameDiff[r] = batches.size() * BATCH / ((t2 - t1) / 1e9);
            }
        }
        System.out.printf(Locale.ROOT, "lenet training, batch %d, %d steps x %d rounds, oneDNN %s, OpenMP threads %d: "
                        + "DL4J layers %s samples/s, SameDiff %s samples/s%n", BATCH, batches.size(), rounds, onednn,
                Backend.threads(), Arrays.toString(Arrays.stream(layerPath).mapToLong(Math::round).toArray()),
                Arrays.toString(Arrays.stream(sameDiff).mapToLong(Math::round).toArray()));
    }

    /** LeNet as the zoo builds it (conv 5x5x20 + ReLU, max-pool, conv 5x5x50 + ReLU, max-pool, dense 500 + ReLU, softmax). */
    static SameDiff lenet() {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("input", DataType.FLOAT, -1, 1, 28, 28);
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, 10);
        SDVariable x = convRelu(sd, "conv1", in, 1, 20);
        x = sd.cnn().maxPooling2d(x, pool());
        x = convRelu(sd, "conv2", x, 20, 50);
        x = sd.cnn().maxPooling2d(x, pool());
        x = sd.reshape(x, -1, 800);
        SDVariable w3 = sd.var("fc1_W", new XavierInitScheme('c', 800, 500), DataType.FLOAT, 800, 500);
        SDVariable b3 = sd.var("fc1_b", new ZeroInitScheme('c'), DataType.FLOAT, 500);
        x = sd.nn().relu(x.mmul(w3).add(b3), 0);
        SDVariable w4 = sd.var("out_W", new XavierInitScheme('c', 500, 10), DataType.FLOAT, 500, 10);
        SDVariable b4 = sd.var("out_b", new ZeroInitScheme('c'), DataType.FLOAT, 10);
        SDVariable logits = x.mmul(w4).add(b4);
        sd.loss().softmaxCrossEntropy("loss", label, logits, null);
        sd.setTrainingConfig(TrainingConfig.builder()
                .updater(new Nesterovs(0.01, 0.9))
                .weightDecay(5e-4, true)
                .dataSetFeatureMapping("input")
                .dataSetLabelMapping("label")
                .build());
        return sd;
    }

    private static SDVariable convRelu(SameDiff sd, String name, SDVariable in, int cin, int cout) {
        SDVariable w = sd.var(name + "_W", new XavierInitScheme('c', cin * 25, cout * 25), DataType.FLOAT,
                5, 5, cin, cout);
        SDVariable b = sd.var(name + "_b", new ZeroInitScheme('c'), DataType.FLOAT, cout);
        Conv2DConfig conf = Conv2DConfig.builder().kH(5).kW(5).sH(1).sW(1).dataFormat("NCHW")
                .weightsFormat(WeightsFormat.YXIO).build(); // conv2d_bp's shape check in M2 fails for OIYX
        return sd.nn().relu(sd.cnn().conv2d(in, w, b, conf), 0);
    }

    private static Pooling2DConfig pool() {
        return Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).isNHWC(false).build();
    }
}
