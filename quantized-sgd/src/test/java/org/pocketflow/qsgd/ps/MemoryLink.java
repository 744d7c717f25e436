package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.MessageHandler;
import org.pocketflow.qsgd.ps.wire.PsMessage;
import org.pocketflow.qsgd.ps.wire.PsMessageCodec;
import org.pocketflow.qsgd.ps.wire.RejectedMessageException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/** A {@link ServerLink} in memory: the test queues frames in and reads what the server sent, no UDP. */
final class MemoryLink implements ServerLink {
    /** A frame the server sent. */
    record Sent(int worker, Address to, byte[] frame) {
    }

    private final Address address;
    private final Queue<byte[]> inbound = new ArrayDeque<>();
    private final List<Sent> sent = new ArrayList<>();
    private final Queue<Object[]> failures = new ArrayDeque<>();

    MemoryLink(Address address) {
        this.address = address;
    }

    void deliver(byte[] frame) {
        inbound.add(frame);
    }

    /** Makes the next {@link #failures} call report that worker {@code w} could not be reached. */
    void failSend(int w, String why) {
        failures.add(new Object[] {w, why});
    }

    /** The frames sent to worker {@code w} so far, decoded with {@code codec}. */
    List<PsMessage> sentTo(int w, PsMessageCodec codec) {
        List<PsMessage> out = new ArrayList<>();
        for (Sent s : sent) {
            if (s.worker == w) {
                try {
                    out.add(codec.decode(s.frame));
                } catch (RejectedMessageException e) {
                    throw new AssertionError("the server sent a frame that does not decode", e);
                }
            }
        }
        return out;
    }

    List<Sent> sent() {
        return sent;
    }

    @Override
    public Address address() {
        return address;
    }

    @Override
    public int poll(MessageHandler handler, int limit) {
        int n = 0;
        while (n < limit && !inbound.isEmpty()) {
            handler.onMessage(inbound.poll());
            n++;
        }
        return n;
    }

    @Override
    public void send(int worker, Address to, byte[] frame, long step) {
        sent.add(new Sent(worker, to, frame));
    }

    @Override
    public void sendKept(int worker, Address to, byte[] frame, long step) {
        sent.add(new Sent(worker, to, frame));
    }

    @Override
    public void completed(SendTimingHandler handler) {
        // frames leave at once here: no link to time
    }

    @Override
    public void emulateLink(double mbit) {
        throw new UnsupportedOperationException("an in-memory link has no rate to emulate");
    }

    @Override
    public void failures(SendFailureHandler handler) {
        while (!failures.isEmpty()) {
            Object[] f = failures.poll();
            handler.onSendFailed((Integer) f[0], (String) f[1]);
        }
    }

    @Override
    public void close() {
    }
}
