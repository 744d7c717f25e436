package org.pocketflow.qsgd.ps.transport;

/**
 * Receives whole messages from {@link AeronEndpoint#poll}. Called on the polling thread, one
 * message at a time; the array is newly allocated and belongs to the handler from then on.
 */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(byte[] message);
}
