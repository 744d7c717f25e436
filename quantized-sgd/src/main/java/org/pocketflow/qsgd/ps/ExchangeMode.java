package org.pocketflow.qsgd.ps;

/** How the server orders the workers' gradients. */
public enum ExchangeMode {
    /**
     * Bulk-synchronous: step t waits for one gradient on version t from every live worker, averages
     * them in worker-id order (so a run is reproducible) and applies one optimizer step. A worker
     * missing at the timeout is dropped for the rest of training.
     */
    SYNC,
    /**
     * Bounded staleness: every gradient is applied as it arrives, as one optimizer step, if it was
     * computed on a version at most {@code stalenessLimit} steps old; the sender then gets the new
     * parameters. Older gradients are rejected (the sender gets fresh parameters instead).
     */
    ASYNC
}
