package org.pocketflow.qsgd;

/**
 * Encodes one worker's gradients, step after step; created by {@link GradientCodec#newEncoder(long)}.
 *
 * <p><b>Ownership.</b> An encoder owns its error-feedback residual, its message counter (which,
 * with the seed, drives the stochastic rounding) and its scratch buffers. It belongs to one
 * worker: never share it between workers, and call it from one thread at a time (it is not
 * thread-safe). Messages it returns are independent of it and immutable.
 *
 * <p><b>Call order.</b> {@link #encode(float[])} once per step. The first call fixes the gradient
 * length; every later gradient must have the same length. The input array is only read.
 */
public interface GradientEncoder {

    /**
     * Compresses {@code gradient} into a new message and, for codecs with error feedback, updates
     * the residual with what this message failed to carry.
     *
     * @throws IllegalArgumentException if the length differs from the first gradient's, or the
     *     gradient holds a non-finite value (for codecs that scale by a norm)
     */
    EncodedGradient encode(float[] gradient);

    /** The codec that created this encoder. */
    GradientCodec codec();

    /** The seed this encoder was created with. */
    long seed();

    /** How many messages this encoder has produced. */
    long messagesEncoded();

    /**
     * A copy of the error-feedback residual: what has been withheld so far and will be sent
     * later. Empty for codecs without feedback and before the first {@code encode}.
     */
    float[] residual();

    /** This encoder's message count and residual, to {@link #restore} into a fresh encoder after a resume. */
    EncoderState snapshot();

    /**
     * Makes this fresh encoder (no message encoded yet) continue from {@code state}, taken from an
     * encoder of the same codec and seed: the next messages equal those the other encoder would
     * have produced.
     *
     * @throws IllegalStateException if this encoder has already encoded a message
     * @throws IllegalArgumentException if the state holds a residual this codec does not keep
     * @throws UnsupportedOperationException if this encoder cannot resume (it changes codec on its own)
     */
    void restore(EncoderState state);
}
