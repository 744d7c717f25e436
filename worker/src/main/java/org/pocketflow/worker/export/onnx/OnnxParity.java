package org.pocketflow.worker.export.onnx;

import java.util.Iterator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
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
        return measure(graph, onnx, images.batchesInOrder(BATCH, Normalizer.NONE), norm);
    }

    /**
     * Compares {@code onnx} with {@code graph} over every image of {@code rawBatches}: pixels
     * unscaled (0..255 as floats, {@link Normalizer#NONE}) with one-hot labels, as streamed data
     * sets deliver them. DL4J sees them scaled by {@code norm}, exactly as its evaluation batches.
     */
    public static OnnxParity measure(ComputationGraph graph, OnnxRuntimeSession onnx, Iterator<DataSet> rawBatches,
                                     Normalizer norm) {
        long dl4jRight = 0;
        long onnxRight = 0;
        long agree = 0;
        double maxDiff = 0;
        int start = 0;
        while (rawBatches.hasNext()) {
            DataSet b = rawBatches.next();
            int n = b.numExamples();
            float[] raw = b.getFeatures().dup('c').data().asFloat();
            int channels = (int) b.getFeatures().size(1);
            float[][] tables = norm.lookupTables(channels);
            int plane = raw.length / (n * channels);
            float[] scaled = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = Math.round(raw[i]);
                scaled[i] = tables[(i / plane) % channels][(int) raw[i]];
            }
            INDArray input = Nd4j.create(scaled, b.getFeatures().shape(), 'c');
            float[] want = graph.outputSingle(false, input).dup('c').data().asFloat();
            float[] got = onnx.run(raw, n);
            int[] labels = b.getLabels().argMax(1).toIntVector();
            int classes = want.length / n;
            for (int i = 0; i < n; i++) {
                int a = argMax(want, i * classes, classes);
                int o = argMax(got, i * classes, classes);
                dl4jRight += a == labels[i] ? 1 : 0;
                onnxRight += o == labels[i] ? 1 : 0;
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
