package org.pocketflow.qsgd.ps;

import java.util.Arrays;
import java.util.BitSet;

/**
 * One synchronous step's gradients: a slot per worker, filled as the gradients arrive, and summed
 * in worker-id order once complete, so the result does not depend on arrival order. Owned by the
 * server thread.
 */
final class SyncRound {
    private final float[][] slots;
    private final BitSet filled;

    SyncRound(int workers, int size) {
        this.slots = new float[workers][size];
        this.filled = new BitSet(workers);
    }

    boolean has(int worker) {
        return filled.get(worker);
    }

    /** The slot to decode worker {@code worker}'s gradient into; call {@link #fill} after a successful decode. */
    float[] slot(int worker) {
        return slots[worker];
    }

    void fill(int worker) {
        filled.set(worker);
    }

    /** Whether every worker in {@code live} has contributed. */
    boolean complete(BitSet live) {
        BitSet missing = (BitSet) live.clone();
        missing.andNot(filled);
        return missing.isEmpty();
    }

    /** Workers in {@code live} that have not contributed. */
    BitSet missing(BitSet live) {
        BitSet missing = (BitSet) live.clone();
        missing.andNot(filled);
        return missing;
    }

    int contributors() {
        return filled.cardinality();
    }

    /** The mean of the filled slots, in worker-id order, into {@code out}; then clears the round. */
    void meanInto(float[] out) {
        Arrays.fill(out, 0f);
        int n = filled.cardinality();
        for (int w = filled.nextSetBit(0); w >= 0; w = filled.nextSetBit(w + 1)) {
            float[] g = slots[w];
            for (int i = 0; i < out.length; i++) {
                out[i] += g[i];
            }
        }
        float inv = 1f / n;
        for (int i = 0; i < out.length; i++) {
            out[i] *= inv;
        }
        filled.clear();
    }
}
