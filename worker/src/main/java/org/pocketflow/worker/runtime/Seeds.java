package org.pocketflow.worker.runtime;

import java.util.SplittableRandom;

/**
 * Derives independent random streams from one explicit seed, so that the validation split
 * and every epoch's shuffle have their own generator and none depends on how many numbers
 * another consumed. Uses the SplitMix64 finaliser (Steele, Lea, Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014) to mix seed, purpose and index.
 */
public final class Seeds {
    /** Purpose: the train/validation split. */
    public static final long SPLIT = 0x5EED_0001L;
    /** Purpose: the per-epoch batch order. */
    public static final long EPOCH = 0x5EED_0002L;
    /** Purpose: initial weights of a network. */
    public static final long WEIGHT_INIT = 0x5EED_0003L;
    /** Purpose: the output positions channel pruning samples from calibration images. */
    public static final long PRUNE_SAMPLES = 0x5EED_0004L;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /**
     * @param seed    the caller's explicit seed
     * @param purpose one of the purpose constants above
     * @param index   e.g. the epoch number
     * @return a generator determined by (seed, purpose, index) alone
     */
    public static SplittableRandom stream(long seed, long purpose, long index) {
        long s = mix64(seed + GOLDEN_GAMMA * purpose);
        s = mix64(s + GOLDEN_GAMMA * (index + 1));
        return new SplittableRandom(s);
    }

    /** Shuffles {@code a} in place (Fisher-Yates) with {@code rng}. */
    public static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A seed determined by (seed, purpose) alone, e.g. for a library that takes a {@code long}. */
    public static long derive(long seed, long purpose) {
        return stream(seed, purpose, 0).nextLong();
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
