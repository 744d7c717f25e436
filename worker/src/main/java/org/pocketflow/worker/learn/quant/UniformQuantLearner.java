package org.pocketflow.worker.learn.quant;

import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.learn.WeightTensor;

/**
 * Uniform weight quantization (PocketFlow's UniformQuantLearner): per-layer bits, per-channel
 * ranges, quantization-aware fine-tuning with the straight-through estimator; stored as packed
 * integers plus one scale and offset per channel.
 *
 * <p>Optionally activations too: every ReLU becomes a {@link QuantizedReLU} of
 * {@code activationBits}, its clip calibrated on calibration images given to the constructor
 * (the clip among {@code alpha * max}, alpha in 1.0..0.5, with the least squared error on the
 * calibration activations).
 */
public final class UniformQuantLearner extends QuantLearner {
    private static final int MAX_CALIBRATION_VALUES = 200_000;
    private final int activationBits;
    private final INDArray calibration;

    /** Per-layer weight bits in 2..8, activations left in fp32. */
    public UniformQuantLearner() {
        this(2, 8);
    }

    /** Per-layer weight bits in {@code [minBits, maxBits]}, within 1..16; activations in fp32. */
    public UniformQuantLearner(int minBits, int maxBits) {
        this(minBits, maxBits, 0, null);
    }

    /**
     * @param activationBits bits of every ReLU's output, 1..16, or 0 for fp32 activations
     * @param calibration    input images (normalised as in training) to calibrate the activation
     *                       ranges on; needed when {@code activationBits > 0}
     */
    public UniformQuantLearner(int minBits, int maxBits, int activationBits, INDArray calibration) {
        super(minBits, maxBits);
        if (activationBits < 0 || activationBits > 16) {
            throw new IllegalArgumentException("activation bits must be 0 (off) or in 1..16, but got " + activationBits);
        }
        if (activationBits > 0 && calibration == null) {
            throw new IllegalArgumentException("activation quantization needs calibration images");
        }
        this.activationBits = activationBits;
        this.calibration = calibration;
    }

    @Override
    public String name() {
        return "uniform-quant";
    }

    @Override
    QuantizationHook hook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        return new UniformQuantHook(tensors, bits);
    }

    @Override
    void prepare(ComputationGraph copy) {
        if (activationBits == 0) {
            return;
        }
        Map<String, INDArray> acts = copy.feedForward(calibration, false);
        for (Layer layer : copy.getLayers()) {
            var conf = layer.conf().getLayer();
            String name = conf.getLayerName();
            if (conf instanceof BaseLayer base && !(conf instanceof BaseOutputLayer)
                    && base.getActivationFn() instanceof ActivationReLU) {
                base.setActivationFn(new QuantizedReLU(activationBits, clip(acts.get(name))));
            } else if (conf instanceof ActivationLayer act && act.getActivationFn() instanceof ActivationReLU) {
                act.setActivationFn(new QuantizedReLU(activationBits, clip(acts.get(name))));
            }
        }
    }

    private double clip(INDArray activations) {
        float[] all = activations.dup('c').data().asFloat();
        int n = Math.min(all.length, MAX_CALIBRATION_VALUES);
        float[] v = new float[n];
        long stride = Math.max(1, all.length / n);
        for (int i = 0; i < n; i++) {
            v[i] = all[(int) (i * stride)];
        }
        float max = 0;
        for (float f : v) {
            max = Math.max(max, f);
        }
        if (max == 0) {
            return 1.0;
        }
        float alpha = UniformQuantizer.clipFactors(v, new long[]{1, n}, 0, activationBits)[0];
        return alpha * max;
    }
}
