package org.pocketflow.qsgd;

import java.io.Serializable;

/**
 * Compresses gradients for transport between workers and the parameter server.
 *
 * <p><b>Call order.</b> Each worker calls {@link #newEncoder(long)} once, with its own seed, and
 * then {@link GradientEncoder#encode(float[])} once per step. A receiver calls {@link
 * #decode(EncodedGradient, float[])} or {@link #decodeAdd(EncodedGradient, float[])} on each
 * message, in any order and from any number of threads (the codec is immutable; the target
 * arrays are the caller's to guard).
 *
 * <p><b>Ownership of mutable state.</b> A codec is immutable configuration (one parameter
 * record): share it freely and ship it to executors ({@link Serializable}). All mutable state —
 * the error-feedback residual, the message counter that drives stochastic rounding, scratch
 * buffers — lives in the {@link GradientEncoder} that {@code newEncoder} returns; that encoder
 * belongs to one worker and is never shared. Decoding keeps no state.
 *
 * <p><b>Failure.</b> Decoding validates the whole message (header, length, checksum, codec id and
 * parameters, payload structure) before it writes anything: on a {@link CorruptMessageException}
 * the output array is untouched.
 *
 * <p>Implementations are named {@code <Algorithm>Codec} and live in {@code
 * org.pocketflow.qsgd.codec}; each one runs the shared contract tests.
 */
public interface GradientCodec extends Serializable {

    /** The id this codec writes into every message header. */
    CodecId id();

    /** This codec's parameters, exactly as they travel in the message header. */
    CodecParams params();

    /**
     * A new encoder for one worker.
     *
     * @param seed seeds the stochastic rounding; the same seed and the same gradients give
     *     byte-identical messages. Give each worker its own seed (split from the study seed).
     */
    GradientEncoder newEncoder(long seed);

    /**
     * Writes the decoded gradient into {@code out}, overwriting it.
     *
     * @throws CorruptMessageException if the message is malformed or was encoded by another codec
     *     or with other parameters; {@code out} is then untouched
     * @throws IllegalArgumentException if {@code out.length} differs from the message's element count
     */
    void decode(EncodedGradient message, float[] out);

    /**
     * Adds the decoded gradient to {@code accumulator} element-wise (the parameter-server case:
     * sum the workers' messages without a temporary array).
     *
     * @throws CorruptMessageException as {@link #decode}; {@code accumulator} is then untouched
     * @throws IllegalArgumentException if the length differs from the message's element count
     */
    void decodeAdd(EncodedGradient message, float[] accumulator);
}
