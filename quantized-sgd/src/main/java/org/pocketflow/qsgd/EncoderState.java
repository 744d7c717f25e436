package org.pocketflow.qsgd;

/**
 * What a {@link GradientEncoder} carries from one message to the next: how many messages it has
 * encoded (with its seed, the key of the next message's stochastic rounding) and its
 * error-feedback residual. A fresh encoder of the same codec and seed that {@link
 * GradientEncoder#restore restores} it encodes the next gradients exactly as the encoder it was
 * taken from would have. Immutable (the residual is copied in and out).
 *
 * @param messagesEncoded messages encoded so far
 * @param residual the residual, empty for codecs without feedback or before the first message
 */
public record EncoderState(long messagesEncoded, float[] residual) {

    public EncoderState {
        if (messagesEncoded < 0) {
            throw new IllegalArgumentException("messagesEncoded must be >= 0, but got " + messagesEncoded);
        }
        residual = residual.clone();
    }

    @Override
    public float[] residual() {
        return residual.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncoderState s && s.messagesEncoded == messagesEncoded && java.util.Arrays.equals(s.residual, residual);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(messagesEncoded) * 31 + java.util.Arrays.hashCode(residual);
    }

    @Override
    public String toString() {
        return "EncoderState(" + messagesEncoded + " messages, " + residual.length + " residual elements)";
    }
}
