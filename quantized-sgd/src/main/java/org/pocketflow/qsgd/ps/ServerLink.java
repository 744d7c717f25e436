package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.MessageHandler;

/**
 * What the {@link ParameterServer}'s state machine needs from the network, and no more: receive
 * frames, hand frames to a worker without waiting, hear which hand-offs failed. {@link AeronLink}
 * is the real one (Aeron UDP); tests drive the server through an in-memory one, without UDP.
 *
 * <p>Every method is called from the server thread only.
 */
interface ServerLink extends AutoCloseable {

    /** The address the server receives on. */
    Address address();

    /**
     * Delivers the frames that have arrived to {@code handler}; never waits for more.
     *
     * @return how much was read (0 when idle)
     */
    int poll(MessageHandler handler, int limit);

    /**
     * Hands {@code frame} to worker {@code worker} at {@code to} and returns at once. Frames to one
     * worker leave in order; a frame still waiting when a newer one comes is replaced by it (each
     * carries whole parameters, so only the newest matters).
     */
    void send(int worker, Address to, byte[] frame, long step);

    /**
     * As {@link #send}, but {@code frame} is never replaced: it leaves after the kept frames handed
     * over before it and before any replaceable frame, so a kept frame followed by {@link #send}
     * arrives ahead of that frame (an encoder state ahead of the parameters it belongs to).
     */
    void sendKept(int worker, Address to, byte[] frame, long step);

    /** Reports, once each, the sends that failed since the last call. */
    void failures(SendFailureHandler handler);

    /**
     * Reports, once each, the sends that left since the last call, with how long each took: the
     * downlink's measure of each worker's link ({@code pocketflow.distributed.codec=auto}).
     */
    void completed(SendTimingHandler handler);

    /** Paces the sends to an emulated link of {@code mbit} Mbit/s (0: unlimited), for tests and benches on one host. */
    void emulateLink(double mbit);

    /** Waits a bounded time for the frames already handed over, then releases the network. */
    @Override
    void close();

    /** Hears of one send that left. */
    @FunctionalInterface
    interface SendTimingHandler {
        /**
         * @param worker the worker the frame was for
         * @param step the server's version when the frame was handed over
         * @param bytes the frame's length
         * @param nanos how long the send took
         * @param endNanos when it ended ({@link System#nanoTime()})
         */
        void onSent(int worker, long step, int bytes, long nanos, long endNanos);
    }

    /** Hears of one failed send. */
    @FunctionalInterface
    interface SendFailureHandler {
        /**
         * @param worker the worker the frame was for
         * @param why what happened, for the log ("unreachable at ... for N ms", the exception)
         */
        void onSendFailed(int worker, String why);
    }
}
