package org.pocketflow.bench.codec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.codec.LevelCoding;
import org.pocketflow.qsgd.codec.QsgdCodec;
import org.pocketflow.qsgd.codec.SignEfCodec;
import org.pocketflow.qsgd.codec.TernGradCodec;
import org.pocketflow.qsgd.codec.ThresholdCodec;
import org.pocketflow.qsgd.codec.ThresholdParams;

/** The codec configurations the benchmarks measure, by name, and the synthetic gradient they encode. */
final class BenchCodecs {

    /** Standard deviation of the synthetic gradient (typical of a CNN's gradient entries). */
    static final double SIGMA = 0.01;
    /**
     * Threshold of the Strom-style codecs, ours and ND4J's: 1.8 σ sends about 7.2% of the
     * elements, so ND4J's message (4 bytes per sent element) is slightly larger than ECQ's
     * default one (2.06 bits per element; parity would be 1.85 σ) and ECQ is compared at a
     * smaller message size.
     */
    static final float TAU = (float) (1.8 * SIGMA);

    private BenchCodecs() {
    }

    static Map<String, GradientCodec> all() {
        Map<String, GradientCodec> m = new LinkedHashMap<>();
        m.put("identity", new IdentityCodec());
        m.put("ecq", new EcqCodec());
        m.put("ecq-rl", new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH)));
        m.put("qsgd", new QsgdCodec());
        m.put("terngrad", new TernGradCodec());
        m.put("signef", new SignEfCodec());
        m.put("threshold-strom", new ThresholdCodec(ThresholdParams.fixedThreshold(TAU)));
        m.put("threshold-dgc", new ThresholdCodec());
        return m;
    }

    static GradientCodec byName(String name) {
        GradientCodec c = all().get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown codec '" + name + "'; known: " + all().keySet());
        }
        return c;
    }

    /** A Gaussian gradient with standard deviation {@link #SIGMA}, reproducible from the seed. */
    static float[] gradient(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * SIGMA);
        }
        return g;
    }
}
