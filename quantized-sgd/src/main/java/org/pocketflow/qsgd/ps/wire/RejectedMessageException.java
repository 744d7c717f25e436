package org.pocketflow.qsgd.ps.wire;

/** A message that failed the frame checks; {@link #reason()} says which. */
public final class RejectedMessageException extends Exception {
    private final RejectReason reason;

    public RejectedMessageException(RejectReason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
