package org.pocketflow.worker.export.onnx;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * An exported model loaded in ONNX Runtime (CPU), to check it against DL4J and time it. One
 * session per model; {@code intraOpThreads} ONNX Runtime threads run each operator and operators
 * run one after another. Not thread-safe; close it to free the native session.
 */
public final class OnnxRuntimeSession implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final long[] inputShape;
    private final int intraOpThreads;

    /** Loads {@code model} with all graph optimisations on, int8 weights dequantized once at load. */
    public OnnxRuntimeSession(OnnxModel model, int intraOpThreads) {
        this(model, intraOpThreads, true);
    }

    /**
     * Loads {@code model} with all graph optimisations on.
     *
     * @param dequantizeAtLoad let ONNX Runtime's constant folding turn {@code DequantizeLinear} of
     *                         int8 weights into float weights when the session is created (same
     *                         values; it keeps them as QDQ otherwise and dequantizes on every run)
     */
    public OnnxRuntimeSession(OnnxModel model, int intraOpThreads, boolean dequantizeAtLoad) {
        this.inputShape = model.inputShape().clone();
        this.intraOpThreads = intraOpThreads;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (dequantizeAtLoad) {
                opts.addConfigEntry("session.disable_quant_qdq", "1");
            }
            session = env.createSession(model.bytes(), opts);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime rejected the exported model: " + e.getMessage(), e);
        }
    }

    /** Intra-operator threads this session runs with. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /**
     * Probabilities for {@code batch} images of raw pixels ({@code pixels.length / batch} each,
     * in the model's input layout), row-major {@code [batch, classes]}.
     */
    public float[] run(float[] pixels, int batch) {
        long[] shape = inputShape.clone();
        shape[0] = batch;
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
             OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, x))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] probs = new float[out.remaining()];
            out.get(probs);
            return probs;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + batch + ": " + e.getMessage(), e);
        }
    }

    /** Median milliseconds of one run at {@code batch} (pixel values fixed, 0..255) after {@code warmup} runs. */
    public double medianMillis(int batch, int warmup, int iterations) {
        long perImage = 1;
        for (int d = 1; d < inputShape.length; d++) {
            perImage *= inputShape[d];
        }
        float[] pixels = new float[Math.toIntExact(perImage * batch)];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = rnd.nextInt(256);
        }
        for (int i = 0; i < warmup; i++) {
            run(pixels, batch);
        }
        double[] t = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long s = System.nanoTime();
            run(pixels, batch);
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return iterations % 2 == 1 ? t[iterations / 2] : (t[iterations / 2 - 1] + t[iterations / 2]) / 2;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session", e);
        }
    }
}
