package org.pocketflow.worker.learn.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.CalibrationPasses;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.model.ModelInfo;

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
        Map<String, org.deeplearning4j.nn.conf.layers.Layer> relus = new LinkedHashMap<>();
        for (Layer layer : copy.getLayers()) {
            var conf = layer.conf().getLayer();
            boolean relu = conf instanceof BaseLayer base && !(conf instanceof BaseOutputLayer)
                    && base.getActivationFn() instanceof ActivationReLU
                    || conf instanceof ActivationLayer act && act.getActivationFn() instanceof ActivationReLU;
            if (relu) {
                relus.put(conf.getLayerName(), conf);
            }
        }
        // in chunks, keeping a strided sample of each ReLU's outputs: a pass keeps every vertex's output
        ImageShape shape = new ImageShape((int) calibration.size(1), (int) calibration.size(2),
                (int) calibration.size(3));
        ModelInfo info = ModelInfo.of(copy, shape);
        long chunks = (calibration.size(0) + CalibrationPasses.imagesPerPass(info) - 1)
                / CalibrationPasses.imagesPerPass(info);
        int perChunk = (int) Math.max(1, MAX_CALIBRATION_VALUES / chunks);
        Map<String, List<float[]>> samples = new LinkedHashMap<>();
        CalibrationPasses.forEach(copy, info, calibration, (from, acts) -> relus.keySet().forEach(name ->
                samples.computeIfAbsent(name, k -> new ArrayList<>()).add(strided(acts.get(name), perChunk))));
        relus.forEach((name, conf) -> {
            QuantizedReLU q = new QuantizedReLU(activationBits, clip(samples.get(name)));
            if (conf instanceof ActivationLayer act) {
                act.setActivationFn(q);
            } else {
                ((BaseLayer) conf).setActivationFn(q);
            }
        });
    }

    /** At most {@code max} values of {@code activations}, evenly strided. */
    private static float[] strided(INDArray activations, int max) {
        float[] all = activations.dup('c').data().asFloat();
        int n = Math.min(all.length, max);
        float[] v = new float[n];
        long stride = Math.max(1, all.length / n);
        for (int i = 0; i < n; i++) {
            v[i] = all[(int) (i * stride)];
        }
        return v;
    }

    private double clip(List<float[]> parts) {
        float[] v = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, v, at, p.length);
            at += p.length;
        }
        float max = 0;
        for (float f : v) {
            max = Math.max(max, f);
        }
        if (max == 0) {
            return 1.0;
        }
        float alpha = UniformQuantizer.clipFactors(v, new long[]{1, v.length}, 0, activationBits)[0];
        return alpha * max;
    }
}
