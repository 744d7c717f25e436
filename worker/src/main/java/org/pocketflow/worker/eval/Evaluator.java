package org.pocketflow.worker.eval;

import java.util.Arrays;
import java.util.Iterator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pocketflow.worker.data.ImageShape;

/** Measures a trained network: accuracy and loss on labelled data, inference latency. */
public final class Evaluator {
    private static final double LOG_FLOOR = 1e-7;

    private Evaluator() {
    }

    /** Top-1 accuracy and mean cross-entropy of {@code graph} over {@code batches} (inference mode). */
    public static Evaluation evaluate(ComputationGraph graph, Iterator<DataSet> batches) {
        long correct = 0;
        long total = 0;
        double lossSum = 0;
        while (batches.hasNext()) {
            DataSet b = batches.next();
            INDArray probs = graph.outputSingle(false, b.getFeatures());
            INDArray labels = b.getLabels();
            INDArray predicted = probs.argMax(1);
            INDArray truth = labels.argMax(1);
            correct += predicted.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            INDArray pTrue = probs.mul(labels).sum(1);
            lossSum -= Transforms.log(Transforms.max(pTrue, LOG_FLOOR), false).sumNumber().doubleValue();
            total += b.numExamples();
        }
        if (total == 0) {
            throw new IllegalArgumentException("no samples to evaluate");
        }
        return new Evaluation(correct / (double) total, lossSum / total, total);
    }

    /** Median latency at batch 1 and 64 after {@code warmup} runs, over {@code iterations} runs. */
    public static Latency latency(ComputationGraph graph, ImageShape shape, int warmup, int iterations) {
        return new Latency(medianMillis(graph, shape, 1, warmup, iterations),
                medianMillis(graph, shape, 64, warmup, iterations));
    }

    private static double medianMillis(ComputationGraph graph, ImageShape shape, int batch, int warmup, int iters) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, shape.channels(),
                shape.height(), shape.width());
        for (int i = 0; i < warmup; i++) {
            graph.outputSingle(false, x);
        }
        double[] t = new double[iters];
        for (int i = 0; i < iters; i++) {
            long s = System.nanoTime();
            graph.outputSingle(false, x);
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return iters % 2 == 1 ? t[iters / 2] : (t[iters / 2 - 1] + t[iters / 2]) / 2;
    }
}
