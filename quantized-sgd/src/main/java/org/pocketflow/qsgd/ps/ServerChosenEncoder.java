package org.pocketflow.qsgd.ps;

import java.util.ArrayList;
import java.util.List;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.IdentityCodec;

/**
 * A worker's encoder under the auto downlink ({@link DownlinkPolicy.Mode#AUTO}): each gradient in
 * the codec of the parameters the worker got last ({@link WorkerClient#downlinkCodec()}), fp32
 * after a full copy and the update's codec after an update, so that both directions use what the
 * server chose. Each codec keeps its own encoder, so a single full copy among updates (a
 * resynchronisation) sends one fp32 gradient and leaves the compressed encoder's residual as it
 * was. Owned by the worker's thread, like the client.
 */
public final class ServerChosenEncoder implements GradientEncoder {
    private final WorkerClient client;
    private final long seed;
    private final GradientEncoder fp32;
    private final List<GradientEncoder> compressed = new ArrayList<>();
    private GradientEncoder current;
    private long messages;

    public ServerChosenEncoder(WorkerClient client, long seed) {
        this.client = client;
        this.seed = seed;
        this.fp32 = new IdentityCodec().newEncoder(seed);
        this.current = fp32;
    }

    @Override
    public EncodedGradient encode(float[] gradient) {
        current = encoderFor(client.downlinkCodec());
        EncodedGradient m = current.encode(gradient);
        messages++;
        return m;
    }

    private GradientEncoder encoderFor(GradientCodec codec) {
        if (codec == null) {
            return fp32;
        }
        for (GradientEncoder e : compressed) {
            if (e.codec().equals(codec)) {
                return e;
            }
        }
        GradientEncoder e = codec.newEncoder(seed);
        compressed.add(e);
        return e;
    }

    /** The codec of the last gradient encoded (fp32 before the first). */
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
