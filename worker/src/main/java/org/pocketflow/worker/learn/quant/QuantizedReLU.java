package org.pocketflow.worker.learn.quant;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * ReLU whose output is quantized to {@code bits} uniform levels on {@code [0, clip]}: the
 * activation quantization of quantization-aware training (Jacob et al. 2018, section 3.1). The
 * backward pass is the straight-through estimator with clipping: the gradient flows where
 * {@code 0 < x < clip} and is zero elsewhere (PACT's rule for the clipped region, Choi et al.
 * 2018, eq. 2). {@code clip} is calibrated once from data by {@link UniformQuantLearner}.
 *
 * <p>Stateless apart from its two settings, which DL4J's JSON configuration stores (fields are
 * serialised), so a saved network keeps its quantized activations.
 */
public final class QuantizedReLU extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;
    private int bits;
    private double clip;

    /** For JSON deserialisation. */
    public QuantizedReLU() {
    }

    /**
     * @param bits activation bits, 1..16
     * @param clip upper end of the range, > 0
     */
    public QuantizedReLU(int bits, double clip) {
        if (bits < 1 || bits > 16 || !(clip > 0)) {
            throw new IllegalArgumentException("activation bits must be in 1..16 and clip > 0, but got bits " + bits
                    + " clip " + clip);
        }
        this.bits = bits;
        this.clip = clip;
    }

    /** Activation bits. */
    public int bits() {
        return bits;
    }

    /** Upper end of the quantized range. */
    public double clip() {
        return clip;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        double step = clip / ((1 << bits) - 1);
        INDArray clipped = Transforms.min(Transforms.relu(in, true), clip, false);
        return in.assign(Transforms.round(clipped.divi(step), false).muli(step));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray pass = in.gt(0).castTo(epsilon.dataType()).muli(in.lt(clip).castTo(epsilon.dataType()));
        return new Pair<>(epsilon.muli(pass), null);
    }

    @Override
    public String toString() {
        return "quantized-relu(" + bits + " bits, clip " + clip + ")";
    }
}
