package org.pocketflow.worker.train;

import java.util.Arrays;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * DL4J's softmax output layer with cross-entropy loss whose training score reuses the backward pass's
 * pre-activation. In {@code computeGradientAndScore} DL4J 1.0.0-M2 runs the output layer's backward
 * pass and then, for the score, computes {@code x·W + b}, the softmax, its clipping and logarithm again
 * (about 3% of a LeNet step's CPU time, a dozen small libnd4j ops); this layer sums the loss in plain
 * Java, in double, while the backward pass holds the pre-activation, and the score takes that sum when
 * it is for the same input and labels. The gradients are DL4J's (nothing of the backward pass changes);
 * the score agrees with DL4J's to its float rounding (DL4J sums it in float).
 *
 * <p>{@link #install} puts one in place of each output layer with a softmax, DL4J's {@link LossMCXENT}
 * without weights, and no dropout or weight noise, over the same configuration object, parameter and
 * gradient views (the saved configuration is unchanged). Installed by {@link Trainer#useFasterBackprop}.
 */
public final class SoftmaxScoreOnce extends OutputLayer {
    private INDArray scoredInput;
    private INDArray scoredLabels;
    private double lossSum;
    /** Whether the last score came from the backward pass's sum (for tests). */
    boolean lastScoreReused;

    private SoftmaxScoreOnce(OutputLayer layer) {
        super(layer.conf(), layer.params().dataType());
        LayerSwap.adopt(this, layer);
    }

    /**
     * Puts this layer in place of every output layer of {@code graph} it covers.
     *
     * @return how many layers of the graph are now this one
     */
    public static int install(ComputationGraph graph) {
        return LayerSwap.install(graph, OutputLayer.class,
                lv -> covers((org.deeplearning4j.nn.conf.layers.OutputLayer) lv.getLayer().conf().getLayer()),
                SoftmaxScoreOnce::new, SoftmaxScoreOnce.class);
    }

    /** Whether any layer of {@code graph} is one of these. */
    static boolean usedBy(ComputationGraph graph) {
        return LayerSwap.usedBy(graph, SoftmaxScoreOnce.class);
    }

    private static boolean covers(org.deeplearning4j.nn.conf.layers.BaseOutputLayer conf) {
        return conf.getActivationFn() instanceof ActivationSoftmax && conf.getLossFn() != null
                && conf.getLossFn().getClass() == LossMCXENT.class && ((LossMCXENT) conf.getLossFn()).getWeights() == null
                && conf.getIDropout() == null && conf.getWeightNoise() == null;
    }

    /** The pre-activation, as DL4J computes it; in training, also the loss it gives with the labels. */
    @Override
    protected INDArray preOutput2d(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray z = super.preOutput2d(training, workspaceMgr);
        scoredInput = null;
        // the loss is checked each time: a learner may replace it after the graph is built (distillation)
        if (training && maskArray == null && labels != null && covers(layerConf()) && z.rank() == 2
                && Arrays.equals(z.shape(), labels.shape())) {
            double eps = ((LossMCXENT) layerConf().getLossFn()).getSoftmaxClipEps();
            lossSum = crossEntropy(values(z), values(labels), (int) z.size(1), eps);
            scoredInput = input;
            scoredLabels = labels;
        }
        return z;
    }

    /** A matrix's values row after row (one bulk copy; ND4J's {@code toFloatMatrix} takes an op per row). */
    private static float[] values(INDArray m) {
        INDArray c = m.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && BatchNormBackprop.plain(m) ? m
                : m.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c');
        float[] out = new float[(int) c.length()];
        c.data().asNioFloat().get((int) c.offset(), out);
        return out;
    }

    /**
     * {@code −Σ labels·log(softmax(z))} over the rows of {@code width} values, the probabilities
     * clipped to {@code [eps, 1−eps]} as {@link LossMCXENT} clips them, in double.
     */
    static double crossEntropy(float[] z, float[] labels, int width, double eps) {
        double loss = 0;
        for (int at = 0; at < z.length; at += width) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = at; j < at + width; j++) {
                max = Math.max(max, z[j]);
            }
            double sum = 0;
            for (int j = at; j < at + width; j++) {
                sum += Math.exp(z[j] - max);
            }
            for (int j = at; j < at + width; j++) {
                if (labels[j] != 0) {
                    double p = Math.exp(z[j] - max) / sum;
                    p = eps > 0 ? Math.min(Math.max(p, eps), 1 - eps) : p;
                    loss -= labels[j] * Math.log(p);
                }
            }
        }
        return loss;
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        lastScoreReused = scoredInput != null && scoredInput == input && scoredLabels == labels && maskArray == null;
        if (!lastScoreReused) {
            return super.computeScore(fullNetRegTerm, training, workspaceMgr);
        }
        scoredInput = null;
        double s = lossSum;
        if (conf().isMiniBatch()) {
            s /= getInputMiniBatchSize();
        }
        score = s + fullNetRegTerm;
        return score;
    }

    @Override
    public void clear() {
        super.clear();
        scoredInput = null;
    }
}
