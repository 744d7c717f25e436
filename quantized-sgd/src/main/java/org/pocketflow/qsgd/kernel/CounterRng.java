package org.pocketflow.qsgd.kernel;

/**
 * A counter-based generator: the uniform for element {@code i} of a message is a hash of
 * (message key, {@code i}). No sequential state, so the rounding loop has no loop-carried
 * dependency (it unrolls and vectorizes), any bucket can be encoded independently, and the same
 * (seed, message number) reproduces the same bits on every machine.
 *
 * <p>The message key is SplitMix64 of (seed, message number) (Steele, Lea, Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014); the per-element hash is a 32-bit
 * Weyl sequence through Wellons' "lowbias32" finalizer (two multiplies, three xor-shifts; a
 * bijection with full avalanche), which passes the unbiasedness tests of this module.
 */
public final class CounterRng {

    static final int WEYL = 0x9E3779B9;
    static final int M1 = 0x7FEB352D;
    static final int M2 = 0x846CA68B;

    private CounterRng() {
    }

    /** The 32-bit key of message number {@code message} of an encoder seeded with {@code seed}. */
    public static int messageKey(long seed, long message) {
        return (int) mix64(mix64(seed) + (message + 1) * 0x9E3779B97F4A7C15L);
    }

    /** 32 random bits for element {@code index} under {@code key}. */
    public static int bits(int key, int index) {
        int z = key + index * WEYL;
        z ^= z >>> 16;
        z *= M1;
        z ^= z >>> 15;
        z *= M2;
        z ^= z >>> 16;
        return z;
    }

    /** A uniform in [0, 1) with 24 random bits (a multiple of 2^-24). */
    public static float uniform(int key, int index) {
        return (bits(key, index) >>> 8) * 0x1.0p-24f;
    }

    /** A uniform in [-1/2, 1/2) with 24 random bits (a multiple of 2^-24). */
    public static float centered(int key, int index) {
        return (bits(key, index) >> 8) * 0x1.0p-24f;
    }

    /** SplitMix64's finalizer (variant 13 of Stafford's mixers). */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
