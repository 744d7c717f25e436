package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.codec.LevelCoding;
import org.pocketflow.qsgd.codec.QsgdCodec;
import org.pocketflow.qsgd.codec.QsgdParams;
import org.pocketflow.qsgd.codec.SignEfCodec;
import org.pocketflow.qsgd.codec.TernGradCodec;
import org.pocketflow.qsgd.codec.ThresholdCodec;
import org.pocketflow.qsgd.codec.ThresholdParams;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.runtime.Seeds;

/**
 * Convergence of LeNet on Fashion-MNIST with K simulated data-parallel workers in one process,
 * one run per gradient codec, same steps, data and seeds: each worker computes the gradient of
 * its own minibatch (its own partition of the training set), encodes it with its own encoder
 * (its own error-feedback residual), the messages are decoded and averaged, and one SGD step
 * with Nesterov momentum and weight decay is applied to the shared parameters. Prints final test
 * accuracy and bytes per step (all K messages) for each codec.
 *
 * <p>{@code bench/bin/run CodecConvergenceBench [steps] [workers] [codec,...]}. Prints figures;
 * asserts nothing.
 */
public final class CodecConvergenceBench {
    private static final int BATCH = 64;
    private static final double LR = 0.02;
    private static final double MOMENTUM = 0.9;
    private static final double WEIGHT_DECAY = 5e-4;
    private static final long SEED = 42;

    private CodecConvergenceBench() {
    }

    /** The codecs compared, by the name used on the command line. */
    static Map<String, GradientCodec> codecs() {
        Map<String, GradientCodec> m = new LinkedHashMap<>();
        m.put("identity", new IdentityCodec());
        m.put("ecq", new EcqCodec(EcqParams.defaults()));
        m.put("ecq-rl", new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH)));
        // QSGD at the same bits as ECQ (one level each side of zero, l-inf scaled): the gap is what feedback closes
        m.put("qsgd-1", new QsgdCodec(new QsgdParams(512, 1, EcqParams.defaults().norm(), LevelCoding.FIXED_WIDTH)));
        m.put("qsgd-7", new QsgdCodec(QsgdParams.defaults()));
        m.put("terngrad", new TernGradCodec());
        m.put("sign-ef", new SignEfCodec());
        m.put("threshold", new ThresholdCodec(ThresholdParams.topDensity(0.01f)));
        return m;
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<String> names = args.length > 2 ? List.of(args[2].split(",")) : new ArrayList<>(codecs().keySet());
        Backend.configure(true);
        IdxDataset data = IdxDataset.open(IdxDataset.DEFAULT_URI);
        ImageSet train = data.train();
        Normalizer norm = Normalizer.fit(train);
        System.out.printf("LeNet, Fashion-MNIST, %d workers x batch %d, %d steps (%.2f epochs), SGD+Nesterov lr %.3f%n",
                workers, BATCH, steps, steps * (double) workers * BATCH / train.size(), LR);
        System.out.printf("%-10s %8s %14s %10s %9s%n", "codec", "bits/el", "bytes/step", "vs fp32", "test acc");
        double fp32Bytes = 0;
        for (String name : names) {
            GradientCodec codec = codecs().get(name);
            if (codec == null) {
                throw new IllegalArgumentException("unknown codec " + name + "; known: " + codecs().keySet());
            }
            Result r = run(codec, train, data.test(), norm, workers, steps);
            if (name.equals("identity")) {
                fp32Bytes = r.bytesPerStep;
            }
            System.out.printf("%-10s %8.3f %14.0f %9.1fx %8.2f%%%n", name, r.bitsPerElement, r.bytesPerStep,
                    fp32Bytes > 0 ? fp32Bytes / r.bytesPerStep : Double.NaN, 100 * r.accuracy);
        }
    }

    private record Result(double accuracy, double bytesPerStep, double bitsPerElement) {
    }

    private static Result run(GradientCodec codec, ImageSet train, ImageSet test, Normalizer norm, int workers,
                              int steps) {
        ComputationGraph g = Architecture.LENET.factory().create(train.shape(), train.classes(),
                Seeds.derive(SEED, Seeds.WEIGHT_INIT));
        int n = (int) g.numParams();
        float[] params = g.params().toFloatVector();
        float[] velocity = new float[n];
        float[] sum = new float[n];
        List<ImageSet> parts = new ArrayList<>();
        List<GradientEncoder> encoders = new ArrayList<>();
        List<Iterator<DataSet>> batches = new ArrayList<>();
        int[] epochOf = new int[workers];
        for (int k = 0; k < workers; k++) {
            parts.add(train.partition(k, workers));
            encoders.add(codec.newEncoder(Seeds.stream(SEED, Seeds.EPOCH + 100, k).nextLong()));
            batches.add(parts.get(k).batches(BATCH, norm, SEED + k, 0));
        }
        long bytes = 0;
        for (int step = 0; step < steps; step++) {
            java.util.Arrays.fill(sum, 0f);
            for (int k = 0; k < workers; k++) {
                if (!batches.get(k).hasNext()) {
                    batches.set(k, parts.get(k).batches(BATCH, norm, SEED + k, ++epochOf[k]));
                }
                DataSet b = batches.get(k).next();
                g.setInputs(b.getFeatures());
                g.setLabels(b.getLabels());
                g.computeGradientAndScore();
                // DL4J leaves the division by the minibatch size to its updater: do it here
                float[] grad = g.getFlattenedGradients().toFloatVector();
                float inv = 1f / b.numExamples();
                for (int i = 0; i < n; i++) {
                    grad[i] *= inv;
                }
                EncodedGradient msg = encoders.get(k).encode(grad);
                bytes += msg.sizeBytes();
                codec.decodeAdd(msg, sum);
            }
            double lr = LR * 0.5 * (1 + Math.cos(Math.PI * step / steps));
            for (int i = 0; i < n; i++) {
                float grad = sum[i] / workers + (float) WEIGHT_DECAY * params[i];
                velocity[i] = (float) MOMENTUM * velocity[i] + grad;
                params[i] -= (float) lr * (grad + (float) MOMENTUM * velocity[i]);
            }
            g.params().assign(Nd4j.create(params, new long[]{1, n}, 'c'));
        }
        double acc = Evaluator.evaluate(g, test.batchesInOrder(256, norm)).accuracy();
        double perStep = bytes / (double) steps;
        return new Result(acc, perStep, 8 * perStep / workers / n);
    }
}
