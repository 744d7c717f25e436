package org.pocketflow.worker.export.onnx;

import java.util.Iterator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;

/**
 * How closely an exported model computes what the DL4J network computes, on labelled images:
 * ONNX Runtime reads the raw pixels (the model scales them itself), DL4J the normalised batches
 * the job evaluates with.
 *
 * @param images                   images compared
 * @param dl4jAccuracy             DL4J's top-1 accuracy on them
 * @param onnxAccuracy             ONNX Runtime's top-1 accuracy on them
 * @param top1Agreement            fraction of images on which both predict the same class
 * @param maxProbabilityDifference largest absolute difference of any class probability
 */
public record OnnxParity(int images, double dl4jAccuracy, double onnxAccuracy, double top1Agreement,
                         double maxProbabilityDifference) {
    /** The largest accuracy difference, in percentage points, that still counts as parity. */
    public static final double MAX_POINTS = 0.1;

    private static final int BATCH = 256;

    /** ONNX minus DL4J accuracy, in percentage points. */
    public double top1DifferencePoints() {
        return 100 * (onnxAccuracy - dl4jAccuracy);
    }

    /** Whether the accuracies differ by at most {@link #MAX_POINTS}. */
    public boolean holds() {
        return Math.abs(top1DifferencePoints()) <= MAX_POINTS + 1e-9;
    }

    /** Compares {@code onnx} with {@code graph} over every image of {@code images}. */
    public static OnnxParity measure(ComputationGraph graph, OnnxRuntimeSession onnx, ImageSet images, Normalizer norm) {
        Iterator<DataSet> batches = images.batchesInOrder(BATCH, norm);
        int pixels = images.shape().pixels();
        long dl4jRight = 0;
        long onnxRight = 0;
        long agree = 0;
        double maxDiff = 0;
        int start = 0;
        while (batches.hasNext()) {
            DataSet b = batches.next();
            int n = b.numExamples();
            float[] want = graph.outputSingle(false, b.getFeatures()).dup('c').data().asFloat();
            float[] raw = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                byte[] image = images.image(start + i);
                for (int p = 0; p < pixels; p++) {
                    raw[i * pixels + p] = image[p] & 0xFF;
                }
            }
            float[] got = onnx.run(raw, n);
            int classes = want.length / n;
            for (int i = 0; i < n; i++) {
                int a = argMax(want, i * classes, classes);
                int o = argMax(got, i * classes, classes);
                int label = images.label(start + i);
                dl4jRight += a == label ? 1 : 0;
                onnxRight += o == label ? 1 : 0;
                agree += a == o ? 1 : 0;
            }
            for (int j = 0; j < want.length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(want[j] - got[j]));
            }
            start += n;
        }
        if (start == 0) {
            throw new IllegalArgumentException("no images to compare the ONNX model on");
        }
        return new OnnxParity(start, dl4jRight / (double) start, onnxRight / (double) start, agree / (double) start,
                maxDiff);
    }

    private static int argMax(float[] v, int from, int n) {
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (v[from + k] > v[from + best]) {
                best = k;
            }
        }
        return best;
    }
}
