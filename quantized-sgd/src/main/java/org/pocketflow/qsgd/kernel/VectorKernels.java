package org.pocketflow.qsgd.kernel;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The hot loops on the JDK vector API, eight 32-bit lanes, loaded only when {@link Simd#ENABLED}.
 * Each method computes exactly what its plain counterpart computes (the tests compare them on
 * random data); tails shorter than a vector go to the plain code.
 *
 * <p>Why not {@code convert(F2I)}: on JDK 17 that conversion is not intrinsified and runs ten
 * times slower than the scalar loop; the rounding therefore adds 1.5 * 2^23 and reads the integer from
 * the float's bits, which is one add and one subtract on every vector unit.
 */
final class VectorKernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);
    private static final int LANES = 8;

    private VectorKernels() {
    }

    static boolean usable() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /** {@link StochasticRounding#levels}, eight elements at a time. */
    static void levels(float[] p, int off, int len, float invUnit, int s, int key, int index0, int[] levels) {
        int bound = I.loopBound(len);
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector v = FloatVector.fromArray(F, p, off + j);
            IntVector z = IOTA.add(index0 + j).mul(CounterRng.WEYL).add(key);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 16)).mul(CounterRng.M1);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 15)).mul(CounterRng.M2);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 16));
            FloatVector u = ((FloatVector) z.lanewise(VectorOperators.ASHR, 8).convert(VectorOperators.I2F, 0))
                    .mul(0x1.0p-24f);
            FloatVector y = v.abs().mul(invUnit).add(u).add(StochasticRounding.MAGIC);
            IntVector l = y.reinterpretAsInts().sub(StochasticRounding.MAGIC_BITS).min(s);
            IntVector sign = v.reinterpretAsInts().lanewise(VectorOperators.ASHR, 31);
            l.lanewise(VectorOperators.XOR, sign).sub(sign).intoArray(levels, j);
        }
        if (j < len) {
            StochasticRounding.levelsScalar(p, off + j, len - j, invUnit, s, key, index0 + j, levels, j);
        }
    }

    private static final IntVector[] NONZERO_SHIFTS = {IOTA, IOTA.add(8), IOTA.add(16), IOTA.add(24)};

    /** Bit t of the result is set when {@code levels[base + t] != 0}, for t in [0, 32). */
    static int nonzeroBits32(int[] levels, int base) {
        IntVector acc = IntVector.zero(I);
        for (int i = 0; i < 4; i++) {
            IntVector l = IntVector.fromArray(I, levels, base + LANES * i);
            acc = acc.or(l.or(l.neg()).lanewise(VectorOperators.LSHR, 31)
                    .lanewise(VectorOperators.LSHL, NONZERO_SHIFTS[i]));
        }
        return acc.reduceLanes(VectorOperators.OR);
    }

    static float maxAbs(float[] a, int off, int len) {
        FloatVector m = FloatVector.zero(F);
        int bound = F.loopBound(len);
        int j = 0;
        for (; j < bound; j += LANES) {
            m = m.max(FloatVector.fromArray(F, a, off + j).abs());
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        return j < len ? Math.max(r, BucketNorms.maxAbsScalar(a, off + j, len - j)) : r;
    }

    /** Sum of squares (or of absolute values) in the fixed order of {@link BucketNorms}. */
    static float sum(float[] a, int off, int len, boolean squares) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(len);
        int j = 0;
        for (; j < bound; j += LANES) {
            FloatVector v = FloatVector.fromArray(F, a, off + j);
            acc = acc.add(squares ? v.mul(v) : v.abs());
        }
        float[] lanes = acc.toArray();
        for (int t = 0; j + t < len; t++) {
            float x = a[off + j + t];
            lanes[t] += squares ? x * x : Math.abs(x);
        }
        return BucketNorms.combine(lanes[0], lanes[1], lanes[2], lanes[3], lanes[4], lanes[5], lanes[6], lanes[7]);
    }

    /** {@link ErrorFeedback#compensate} over the full vectors; returns how many elements it did. */
    static int compensate(float[] g, float[] h, int off, int len, float alpha, float[] p) {
        int bound = F.loopBound(len);
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromArray(F, g, off + j).add(FloatVector.fromArray(F, h, off + j).mul(alpha)).intoArray(p, j);
        }
        return bound;
    }

    /** {@link ErrorFeedback#accumulate} over the full vectors; returns how many elements it did. */
    static int accumulate(float[] g, float[] h, int off, int len, int[] levels, float unit, float beta) {
        int bound = F.loopBound(len);
        for (int j = 0; j < bound; j += LANES) {
            FloatVector q = ((FloatVector) IntVector.fromArray(I, levels, j).convert(VectorOperators.I2F, 0)).mul(unit);
            FloatVector.fromArray(F, h, off + j).mul(beta)
                    .add(FloatVector.fromArray(F, g, off + j).sub(q))
                    .intoArray(h, off + j);
        }
        return bound;
    }

    /** {@link FixedWidthPacking#pack} for the full blocks; returns how many elements it packed. */
    static int pack(int[] levels, int len, int offset, int width, byte[] dst, int off) {
        int slots = 32 / width;
        int block = LANES * slots;
        int j = 0;
        for (; j + block <= len; j += block, off += 4 * LANES) {
            IntVector acc = IntVector.zero(I);
            for (int slot = 0; slot < slots; slot++) {
                acc = acc.or(IntVector.fromArray(I, levels, j + slot * LANES).add(offset)
                        .lanewise(VectorOperators.LSHL, slot * width));
            }
            acc.intoByteArray(dst, off, ByteOrder.LITTLE_ENDIAN);
        }
        return j;
    }

    /** {@link FixedWidthPacking#unpack} for the full blocks; returns how many elements it unpacked. */
    static int unpack(byte[] src, int off, int len, int width, int offset, float unit, float[] out, int outOff,
                      boolean add) {
        int slots = 32 / width;
        int block = LANES * slots;
        int mask = (int) ((1L << width) - 1);
        int j = 0;
        for (; j + block <= len; j += block, off += 4 * LANES) {
            IntVector words = IntVector.fromByteArray(I, src, off, ByteOrder.LITTLE_ENDIAN);
            for (int slot = 0; slot < slots; slot++) {
                int o = outOff + j + slot * LANES;
                FloatVector v = ((FloatVector) words.lanewise(VectorOperators.LSHR, slot * width).and(mask).sub(offset)
                        .convert(VectorOperators.I2F, 0)).mul(unit);
                if (add) {
                    v = FloatVector.fromArray(F, out, o).add(v);
                }
                v.intoArray(out, o);
            }
        }
        return j;
    }
}
