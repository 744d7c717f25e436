package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.IdentityCodec;

/**
 * A worker's encoder under the auto downlink ({@link DownlinkPolicy.Mode#AUTO}): fp32 until the
 * server sends encoded updates, then the codec (with the parameters) of those updates, so that
 * both directions use what the server chose. The switch starts a fresh encoder (zero residual);
 * there is one switch per run. Owned by the worker's thread, like the client.
 */
public final class ServerChosenEncoder implements GradientEncoder {
    private final WorkerClient client;
    private final long seed;
    private GradientEncoder current;
    private long messages;

    public ServerChosenEncoder(WorkerClient client, long seed) {
        this.client = client;
        this.seed = seed;
        this.current = new IdentityCodec().newEncoder(seed);
    }

    @Override
    public EncodedGradient encode(float[] gradient) {
        GradientCodec chosen = client.downlinkCodec();
        if (chosen != null && !chosen.equals(current.codec())) {
            current = chosen.newEncoder(seed);
        }
        EncodedGradient m = current.encode(gradient);
        messages++;
        return m;
    }

    @Override
    public GradientCodec codec() {
        return current.codec();
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public long messagesEncoded() {
        return messages;
    }

    @Override
    public float[] residual() {
        return current.residual();
    }

    /** The state of the encoder in use; its codec is the one {@link #codec()} names now. */
    @Override
    public EncoderState snapshot() {
        return new EncoderState(messages, current.residual());
    }

    /** Refused: which codec follows is the server's choice, so a resumed run starts it afresh. */
    @Override
    public void restore(EncoderState state) {
        throw new UnsupportedOperationException("an encoder whose codec the server chooses (codec=auto) cannot restore "
                + state + "; resume with a fixed codec");
    }
}
