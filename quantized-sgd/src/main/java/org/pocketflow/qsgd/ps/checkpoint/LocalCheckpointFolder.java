package org.pocketflow.qsgd.ps.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link CheckpointFolder} on the local file system: temporary files are forced to disk
 * ({@code FileChannel.force}), renames are atomic ({@code rename(2)}) and followed by a sync of
 * the folder, so a crash at any point leaves either the old file or the new.
 *
 * @param dir the folder
 */
record LocalCheckpointFolder(Path dir) implements CheckpointFolder {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCheckpointFolder.class);

    @Override
    public byte[] read(String name) throws IOException {
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public boolean exists(String name) {
        return Files.exists(dir.resolve(name));
    }

    @Override
    public String writeTemporary(String prefix, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, prefix, ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer all = ByteBuffer.wrap(bytes);
            while (all.hasRemaining()) {
                ch.write(all);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp.getFileName().toString();
    }

    @Override
    public void rename(String from, String to) throws IOException {
        Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncFolder();
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
    }

    @Override
    public String where(String name) {
        return dir.resolve(name).toString();
    }

    /** Makes the renames durable (Linux syncs a folder opened for reading; elsewhere this may be refused, harmlessly). */
    private void syncFolder() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot sync the folder {}: {}", dir, e.toString());
        }
    }
}
