package org.pocketflow.qsgd.ps.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The folder a {@link CheckpointStore} keeps its files in: a folder of the local file system
 * ({@link #local}), or one on other storage its caller provides (the driver gives one on the run
 * directory's Hadoop file system, since this module has no Hadoop dependency). The store makes a
 * save atomic from these operations: a new file is written whole under a temporary name and made
 * durable, then renamed over the old one.
 */
public interface CheckpointFolder {

    /** The bytes of file {@code name}, or null when the folder has no such file. */
    byte[] read(String name) throws IOException;

    /** Whether the folder has file {@code name}. */
    boolean exists(String name) throws IOException;

    /**
     * Writes {@code bytes} to a new file whose name starts with {@code prefix} and ends with
     * {@code .tmp}, made durable (forced, or synced to the storage's replicas); creates the
     * folder when it is not there.
     *
     * @return the new file's name
     */
    String writeTemporary(String prefix, byte[] bytes) throws IOException;

    /** Renames file {@code from} to {@code to}, replacing {@code to} if it is there, in one atomic step. */
    void rename(String from, String to) throws IOException;

    /** Deletes file {@code name} if it is there. */
    void delete(String name) throws IOException;

    /** Where file {@code name} is, for messages. */
    String where(String name);

    /** A folder of the local file system, written through java.nio. */
    static CheckpointFolder local(Path dir) {
        return new LocalCheckpointFolder(dir);
    }
}
