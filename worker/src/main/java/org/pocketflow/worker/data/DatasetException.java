package org.pocketflow.worker.data;

/**
 * A dataset could not be found, read or parsed. The message is one line that names the file
 * (or folder) and what is wrong with it, and where possible how to fix it.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the file and the problem */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * @param message one line naming the file and the problem
     * @param cause   the underlying I/O failure
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
