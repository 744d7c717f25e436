package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.onnx.OnnxExporter;
import org.pocketflow.worker.export.onnx.OnnxRuntimeSession;
import org.pocketflow.worker.learn.prune.LatencyAllocation;

/** Networks timed in ONNX Runtime side by side, for the benches that report it beside DL4J. */
final class OnnxTiming {
    private OnnxTiming() {
    }

    /**
     * Median milliseconds per network at {@code batch}: each exported (float) and loaded with one
     * intra-op thread, then run round-robin (one call each per round, starting at a different network
     * every round) on the same random pixels.
     *
     * @throws org.pocketflow.worker.export.onnx.UnsupportedLayerException when a network does not export
     */
    static double[] medianMillis(ComputationGraph[] nets, ImageShape shape, int batch, int warmup, int iterations) {
        List<OnnxRuntimeSession> sessions = new ArrayList<>();
        try {
            for (ComputationGraph net : nets) {
                sessions.add(new OnnxRuntimeSession(OnnxExporter.export(net, Map.of(), shape, Normalizer.UNIT,
                        Map.of()), 1));
            }
            float[] pixels = new float[batch * shape.pixels()];
            SplittableRandom rnd = new SplittableRandom(1);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = rnd.nextInt(256) / 255f;
            }
            double[][] t = new double[nets.length][iterations];
            for (int it = -warmup; it < iterations; it++) {
                for (int k = 0; k < nets.length; k++) {
                    int n = Math.floorMod(it + k, nets.length);
                    long s = System.nanoTime();
                    sessions.get(n).run(pixels, batch);
                    if (it >= 0) {
                        t[n][it] = (System.nanoTime() - s) / 1e6;
                    }
                }
            }
            double[] m = new double[nets.length];
            for (int n = 0; n < nets.length; n++) {
                m[n] = LatencyAllocation.quantile(t[n], 0.5);
            }
            return m;
        } finally {
            sessions.forEach(OnnxRuntimeSession::close);
        }
    }
}
