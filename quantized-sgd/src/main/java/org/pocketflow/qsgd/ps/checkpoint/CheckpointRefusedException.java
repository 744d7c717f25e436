package org.pocketflow.qsgd.ps.checkpoint;

/**
 * A checkpoint that is there but cannot be resumed from: every file damaged, of a format this
 * build does not read, or of another optimizer, size or learner. The message names the files and
 * the reason; a caller may set the files aside and start afresh, nothing else has happened yet.
 */
public final class CheckpointRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CheckpointRefusedException(String message) {
        super(message);
    }

    public CheckpointRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
