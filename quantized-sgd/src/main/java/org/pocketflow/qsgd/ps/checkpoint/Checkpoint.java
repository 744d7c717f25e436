package org.pocketflow.qsgd.ps.checkpoint;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.pocketflow.qsgd.EncoderState;

/**
 * The server's state after a step: enough to resume training exactly there.
 *
 * @param step the parameter version (number of optimizer steps applied)
 * @param optimizer the optimizer's {@code name()}; a resume refuses a different one
 * @param params the parameters (copied)
 * @param optimizerState the optimizer's state (copied)
 * @param encoders per worker id, the state of its gradient encoder after its gradient for version
 *     {@code step - 1} (empty when the workers sent none, e.g. an identity codec or a format-1 file)
 * @param optimizerExtra the optimizer's {@link org.pocketflow.qsgd.ps.optim.Optimizer#extraState() extra state}
 *     (copied; empty for a plain optimizer and in files of format 1 and 2)
 */
public record Checkpoint(long step, String optimizer, float[] params, float[] optimizerState,
                         SortedMap<Integer, EncoderState> encoders, byte[] optimizerExtra) {

    public Checkpoint {
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must be >= 0, but got " + step);
        }
        params = params.clone();
        optimizerState = optimizerState.clone();
        encoders = Collections.unmodifiableSortedMap(new TreeMap<>(encoders));
        optimizerExtra = optimizerExtra.clone();
    }

    /** A checkpoint without encoder states or extra optimizer state. */
    public Checkpoint(long step, String optimizer, float[] params, float[] optimizerState) {
        this(step, optimizer, params, optimizerState, new TreeMap<>(), new byte[0]);
    }

    /** A checkpoint with these encoder states, by worker id, and no extra optimizer state. */
    public static Checkpoint withEncoders(long step, String optimizer, float[] params, float[] optimizerState,
                                          Map<Integer, EncoderState> encoders) {
        return new Checkpoint(step, optimizer, params, optimizerState, new TreeMap<>(encoders), new byte[0]);
    }

    /** A checkpoint with these encoder states and the optimizer's extra state. */
    public static Checkpoint withExtra(long step, String optimizer, float[] params, float[] optimizerState,
                                       Map<Integer, EncoderState> encoders, byte[] optimizerExtra) {
        return new Checkpoint(step, optimizer, params, optimizerState, new TreeMap<>(encoders), optimizerExtra);
    }

    @Override
    public float[] params() {
        return params.clone();
    }

    @Override
    public float[] optimizerState() {
        return optimizerState.clone();
    }

    @Override
    public byte[] optimizerExtra() {
        return optimizerExtra.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && c.step == step && c.optimizer.equals(optimizer) && Arrays.equals(c.params, params)
                && Arrays.equals(c.optimizerState, optimizerState) && c.encoders.equals(encoders)
                && Arrays.equals(c.optimizerExtra, optimizerExtra);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
        return "Checkpoint(step " + step + ", " + optimizer + ", " + params.length + " params, " + encoders.size() + " encoder states, "
                + optimizerExtra.length + " bytes of extra optimizer state)";
    }
}
