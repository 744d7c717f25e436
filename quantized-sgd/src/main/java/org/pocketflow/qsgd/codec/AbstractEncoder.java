package org.pocketflow.qsgd.codec;

import java.util.Objects;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.kernel.CounterRng;

/**
 * What every encoder shares: it fixes the gradient length at the first message (and allocates
 * its state then, through {@link #allocate(int)}), rejects later gradients of another length,
 * and counts messages; message {@code m} of seed {@code s} rounds with the key
 * {@link CounterRng#messageKey(long, long) messageKey(s, m)}. An encode that fails half-way (a
 * non-finite gradient) leaves the residual partly updated, so the encoder refuses further use.
 *
 * <p>Owned by one worker and not thread-safe (see {@link GradientEncoder}).
 */
public abstract class AbstractEncoder implements GradientEncoder {

    private final GradientCodec codec;
    private final long seed;
    private long messages;
    private int length = -1;
    private boolean broken;

    protected AbstractEncoder(GradientCodec codec, long seed) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.seed = seed;
    }

    @Override
    public final EncodedGradient encode(float[] gradient) {
        Objects.requireNonNull(gradient, "gradient");
        if (length < 0) {
            allocate(gradient.length);
            length = gradient.length;
        } else if (gradient.length != length) {
            throw new IllegalArgumentException("this encoder serves gradients of " + length
                    + " elements, but got " + gradient.length + "; create one encoder per model");
        }
        if (broken) {
            throw new IllegalStateException("an earlier encode failed half-way, so this encoder's residual"
                    + " is no longer consistent; create a new encoder (codec.newEncoder(seed))");
        }
        EncodedGradient m;
        try {
            m = encode(gradient, CounterRng.messageKey(seed, messages));
        } catch (RuntimeException e) {
            broken = true;
            throw e;
        }
        messages++;
        return m;
    }

    /** Allocates per-worker state for gradients of {@code n} elements; called once, before the first message. */
    protected abstract void allocate(int n);

    /** Encodes one gradient with the given rounding key, updating any residual. */
    protected abstract EncodedGradient encode(float[] gradient, int key);

    @Override
    public final GradientCodec codec() {
        return codec;
    }

    @Override
    public final long seed() {
        return seed;
    }

    @Override
    public final long messagesEncoded() {
        return messages;
    }

    @Override
    public float[] residual() {
        return new float[0];
    }

    @Override
    public final EncoderState snapshot() {
        return new EncoderState(messages, residual());
    }

    @Override
    public final void restore(EncoderState state) {
        if (messages > 0 || length >= 0 || broken) {
            throw new IllegalStateException("restore needs a fresh encoder, but this one has encoded " + messages
                    + " messages; create one with codec.newEncoder(seed)");
        }
        float[] h = state.residual();
        if (h.length > 0) {
            allocate(h.length);
            length = h.length;
            restoreResidual(h);
        }
        messages = state.messagesEncoded();
    }

    /**
     * Copies {@code h} into the residual just allocated for {@code h.length} elements. Codecs
     * without a residual keep this refusal.
     */
    protected void restoreResidual(float[] h) {
        throw new IllegalArgumentException(codec.id() + " keeps no residual, but the state to restore holds " + h.length
                + " residual elements; it was taken from another codec's encoder");
    }

    /** Throws if a bucket norm is not finite (the gradient holds NaN or infinity, or overflows). */
    protected static void requireFinite(float norm, int off, int len) {
        if (!Float.isFinite(norm)) {
            throw new IllegalArgumentException("gradient elements [" + off + ", " + (off + len)
                    + ") have norm " + norm + ": the gradient holds NaN or infinity (or overflows float); "
                    + "check the loss and learning rate before encoding");
        }
    }
}
