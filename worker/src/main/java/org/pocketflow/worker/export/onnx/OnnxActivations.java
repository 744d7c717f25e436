package org.pocketflow.worker.export.onnx;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.pocketflow.worker.learn.quant.QuantizedReLU;

/**
 * DL4J activation functions as ONNX nodes. {@link QuantizedReLU} ({@code round(min(relu(x), clip) / step) * step})
 * becomes {@code Clip(0, clip)} followed by a {@code QuantizeLinear}/{@code DequantizeLinear} pair with
 * scale {@code step} and uint8 zero point 0 for up to 8 bits (the pair rounds and saturates as the
 * activation does), or {@code Div}/{@code Round}/{@code Mul} beyond 8 bits. Stateless.
 */
final class OnnxActivations {
    private OnnxActivations() {
    }

    /** The tensor holding {@code fn(x)}; {@code x} itself for the identity. */
    static String apply(OnnxGraph g, IActivation fn, String x, String name) {
        if (fn == null || fn instanceof ActivationIdentity) {
            return x;
        }
        if (fn instanceof ActivationReLU r) {
            if (r.getMax() != null || r.getThreshold() != null || r.getNegativeSlope() != null) {
                throw new UnsupportedLayerException(name, "ReLU with max, threshold or negative slope (" + r + ")");
            }
            return g.node("Relu", name + "_relu", new String[]{x});
        }
        if (fn instanceof ActivationReLU6) {
            return clip(g, x, name + "_relu6", 0f, 6f);
        }
        if (fn instanceof ActivationLReLU l) {
            return g.node("LeakyRelu", name + "_lrelu", new String[]{x}, OnnxGraph.real("alpha", l.getAlpha()));
        }
        if (fn instanceof ActivationSigmoid) {
            return g.node("Sigmoid", name + "_sigmoid", new String[]{x});
        }
        if (fn instanceof ActivationTanH) {
            return g.node("Tanh", name + "_tanh", new String[]{x});
        }
        if (fn instanceof ActivationSoftmax) {
            return g.node("Softmax", name + "_softmax", new String[]{x}, OnnxGraph.integer("axis", 1));
        }
        if (fn instanceof QuantizedReLU q) {
            return quantizedRelu(g, q, x, name);
        }
        throw new UnsupportedLayerException(name, "activation " + fn);
    }

    private static String quantizedRelu(OnnxGraph g, QuantizedReLU q, String x, String name) {
        String clipped = clip(g, x, name + "_qrelu_clip", 0f, (float) q.clip());
        float step = (float) (q.clip() / ((1 << q.bits()) - 1));
        String scale = g.floats(name + "_qrelu_step", new float[]{step});
        if (q.bits() <= 8) {
            String zero = g.uint8s(name + "_qrelu_zero", new byte[]{0});
            String levels = g.node("QuantizeLinear", name + "_qrelu_q", new String[]{clipped, scale, zero});
            return g.node("DequantizeLinear", name + "_qrelu", new String[]{levels, scale, zero});
        }
        String divided = g.node("Div", name + "_qrelu_div", new String[]{clipped, scale});
        String rounded = g.node("Round", name + "_qrelu_round", new String[]{divided});
        return g.node("Mul", name + "_qrelu", new String[]{rounded, scale});
    }

    private static String clip(OnnxGraph g, String x, String out, float lo, float hi) {
        String min = g.floats(out + "_min", new float[]{lo});
        String max = g.floats(out + "_max", new float[]{hi});
        return g.node("Clip", out, new String[]{x, min, max});
    }
}
