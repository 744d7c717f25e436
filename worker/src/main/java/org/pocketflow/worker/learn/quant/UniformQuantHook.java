package org.pocketflow.worker.learn.quant;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.train.HookState;

/**
 * Uniform quantization-aware training: the state is a full-precision shadow copy of each weight
 * tensor; {@code Q} is {@link UniformQuantizer}'s per-channel quantizer with clipping factors fixed
 * at the start (from the trained weights), ranges following the shadow weights. Its checkpointed
 * state is both: shadow weights and clipping factors.
 */
final class UniformQuantHook extends QuantizationHook {
    private final Map<String, float[]> shadow = new HashMap<>();
    private final Map<String, float[]> clip = new HashMap<>();
    private final Map<String, Integer> bitsOf = new HashMap<>();

    UniformQuantHook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        super(tensors, bits);
    }

    @Override
    void init(WeightTensor t, int bits, float[] values) {
        shadow.put(t.key(), values);
        bitsOf.put(t.key(), bits);
        clip.put(t.key(), UniformQuantizer.clipFactors(values, t.shape(), t.channelAxis(), bits));
    }

    @Override
    float[] project(WeightTensor t) {
        float[] s = shadow.get(t.key());
        float[] out = new float[s.length];
        UniformQuantizer.fakeQuantize(s, t.shape(), t.channelAxis(), bitsOf.get(t.key()), clip.get(t.key()), out);
        return out;
    }

    @Override
    void absorb(WeightTensor t, float[] delta) {
        float[] s = shadow.get(t.key());
        for (int i = 0; i < s.length; i++) {
            s[i] += delta[i];
        }
    }

    @Override
    public String stateName() {
        return "uniform-quant/1";
    }

    @Override
    void saveTensor(WeightTensor t, DataOutput out) throws IOException {
        HookState.writeFloats(out, shadow.get(t.key()));
        HookState.writeFloats(out, clip.get(t.key()));
    }

    @Override
    void restoreTensor(WeightTensor t, int bits, DataInput in) throws IOException {
        shadow.put(t.key(), HookState.readFloats(in, Math.toIntExact(t.size()), "the shadow weights of " + t.key()));
        clip.put(t.key(), HookState.readFloats(in, (int) t.shape()[t.channelAxis()],
                "the clipping factors of " + t.key()));
        bitsOf.put(t.key(), bits);
    }

    @Override
    TensorEncoding encode(WeightTensor t) {
        return UniformQuantizer.encode(shadow.get(t.key()), t.shape(), t.channelAxis(), bitsOf.get(t.key()),
                clip.get(t.key()));
    }
}
