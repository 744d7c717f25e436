package org.pocketflow.qsgd.ps;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.ps.transport.AeronEndpoint;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;
import org.pocketflow.qsgd.ps.wire.PsMessageCodec;
import org.pocketflow.qsgd.ps.wire.RejectedMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A worker's side of the exchange. Typical loop (the encoder belongs to this worker alone):
 *
 * <pre>{@code
 * ParameterSnapshot p = client.join();
 * while (!p.last()) {
 *     float[] g = model.gradient(p.values(), batch);
 *     client.push(p.step(), encoder.encode(g));
 *     p = client.awaitParams(p.step() + 1);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> One thread uses a client: it sends and polls on the caller's thread. Messages
 * that fail the frame checks, or that do not come from the server, are counted ({@link
 * #rejected()}) and ignored.
 */
public final class WorkerClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerClient.class);
    private static final long HELLO_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final WorkerConfig config;
    private final PsMessageCodec wire;
    private final AeronEndpoint endpoint;
    private final DownlinkReceiver downlink = new DownlinkReceiver();
    private final byte[] hello;
    private ParameterSnapshot latest;
    private long stateRequestedFor = -1;
    private EncoderState restoredState;
    private long rejected;

    public WorkerClient(AeronRuntime runtime, WorkerConfig config) {
        this.config = config;
        this.wire = new PsMessageCodec(config.secret(), config.nonce());
        this.endpoint = config.paramCount() > 0 ? runtime.bind(config.bind(), FrameLimits.forModel(config.paramCount(), 1))
                : runtime.bind(config.bind());
        this.hello = wire.encode(new PsMessage(MessageType.HELLO, config.workerId(), 0, false,
                config.bind().toString().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Says HELLO (repeated until the server answers) and returns the first parameters.
     *
     * @throws IllegalStateException if the server does not answer within the timeout
     */
    public ParameterSnapshot join() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
        long nextHello = 0;
        IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
        while (latest == null) {
            long now = System.nanoTime();
            if (now > deadline) {
                throw new IllegalStateException("worker " + config.workerId() + ": server " + config.server() + " did not answer HELLO within "
                        + config.timeoutMillis() + " ms (is it running, and is the address right?)");
            }
            if (now >= nextHello) {
                endpoint.send(config.server(), hello, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - now)));
                nextHello = System.nanoTime() + HELLO_INTERVAL_NANOS;
            }
            idle.idle(endpoint.poll(this::onMessage, 16));
        }
        return latest;
    }

    /**
     * Waits for parameters of version {@code minStep} or later, or the final ones, and returns the
     * newest that arrived.
     *
     * @throws IllegalStateException if none arrive within the timeout (the server may have dropped
     *     this worker, or be gone)
     */
    public ParameterSnapshot awaitParams(long minStep) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis());
        IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 200_000);
        while (latest == null || (latest.step() < minStep && !latest.last())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("worker " + config.workerId() + ": no parameters of step >= " + minStep + " from "
                        + config.server() + " within " + config.timeoutMillis() + " ms (dropped by the server, or the server is gone)");
            }
            idle.idle(endpoint.poll(this::onMessage, 16));
        }
        return latest;
    }

    /**
     * Sends a gradient computed on the parameters of version {@code step}.
     *
     * @return false if the server could not be reached within the timeout
     */
    public boolean push(long step, EncodedGradient gradient) {
        byte[] frame = wire.encode(new PsMessage(MessageType.GRADIENT, config.workerId(), step, false, gradient.bytes()));
        return endpoint.send(config.server(), frame, config.timeoutMillis());
    }

    /** Whether the server asked for this worker's encoder state with its gradient for version {@code step}. */
    public boolean stateRequested(long step) {
        return stateRequestedFor == step;
    }

    /**
     * Sends this worker's encoder state after encoding its gradient for version {@code step}, for
     * the server's next checkpoint; call before {@link #push} of that gradient.
     *
     * @return false if the server could not be reached within the timeout
     */
    public boolean pushState(long step, EncoderState state) {
        byte[] frame = wire.encode(new PsMessage(MessageType.STATE, config.workerId(), step, false, EncoderStatePayload.encode(state)));
        return endpoint.send(config.server(), frame, config.timeoutMillis());
    }

    /**
     * The encoder state the server handed back with the parameters it resumed from (it arrives
     * before them), once; null when there is none. Restore it into a fresh encoder before the first encode.
     */
    public EncoderState takeRestoredState() {
        EncoderState s = restoredState;
        restoredState = null;
        return s;
    }

    /**
     * The codec of the last parameters from the server: the codec of an encoded update (a
     * compressed or auto downlink, {@link DownlinkPolicy}), null after full fp32 parameters.
     */
    public GradientCodec downlinkCodec() {
        return downlink.codec();
    }

    /** Paces this worker's sends to an emulated link of {@code mbit} Mbit/s (0: unlimited); see {@link AeronEndpoint#emulateLink}. */
    public void emulateLink(double mbit) {
        endpoint.emulateLink(mbit);
    }

    /** Messages this worker rejected (bad checksum, HMAC, not from the server, an update that does not follow its copy). */
    public long rejected() {
        return rejected;
    }

    private void onMessage(byte[] bytes) {
        PsMessage m;
        try {
            m = wire.decode(bytes);
        } catch (RejectedMessageException e) {
            rejected++;
            LOG.warn("worker {} rejected a message: {}", config.workerId(), e.getMessage());
            return;
        }
        if (m.type() == MessageType.STATE && m.sender() == PsMessage.SERVER) {
            onState(m);
            return;
        }
        if ((m.type() != MessageType.PARAMS && m.type() != MessageType.PARAMS_DELTA) || m.sender() != PsMessage.SERVER) {
            rejected++;
            LOG.warn("worker {} ignored {} (expects PARAMS or STATE from the server)", config.workerId(), m);
            return;
        }
        float[] values;
        try {
            values = m.type() == MessageType.PARAMS ? downlink.full(m.payload()) : downlink.update(m.payload());
        } catch (CorruptMessageException | IllegalArgumentException e) {
            values = null;
            LOG.warn("worker {} could not apply {}: {}", config.workerId(), m, e.getMessage());
        }
        if (values == null) {
            // the update does not follow this worker's copy: a HELLO makes the server send a full copy
            rejected++;
            endpoint.send(config.server(), hello, config.timeoutMillis());
            return;
        }
        if (latest == null || m.step() >= latest.step()) {
            latest = new ParameterSnapshot(m.step(), m.last(), values);
        }
    }

    private void onState(PsMessage m) {
        byte[] payload = m.payload();
        if (payload.length == 0) {
            stateRequestedFor = Math.max(stateRequestedFor, m.step());
            return;
        }
        try {
            restoredState = EncoderStatePayload.decode(payload);
        } catch (IllegalArgumentException e) {
            rejected++;
            LOG.warn("worker {} could not read its encoder state from {}: {}", config.workerId(), m, e.getMessage());
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
