package org.pocketflow.worker.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * Writes a whole file so that a reader sees either the old content or the new, never a part:
 * the bytes go to a temporary sibling ({@code NAME.tmp-<random>}), which is made durable and
 * then renamed over {@code NAME}. A write that fails (an exception from the content writer, a
 * full disk, a killed process) leaves the old file untouched; the temporary file is deleted
 * when the failure is an exception, and a killed process leaves at most a {@code .tmp-} sibling
 * that no reader looks at.
 *
 * <p>Missing parent folders are created, as Hadoop's {@code create} does. On {@code file://} the write goes through NIO: {@code FileChannel.force} on the file,
 * an atomic {@code rename(2)}, then {@code force} on the folder, and the checksum sibling
 * ({@code .NAME.crc}) that Hadoop's checksummed local file system may have left is removed so
 * that it cannot contradict the new bytes. Elsewhere (HDFS, object stores) the temporary file is
 * {@code hsync}ed and renamed with {@code FileContext.rename(..., OVERWRITE)}.
 */
public final class AtomicFile {
    /** Writes a file's content to a stream; the stream is closed by the caller. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces the file at {@code uri} (any Hadoop FS URI) with {@code bytes}. */
    public static void write(String uri, byte[] bytes) {
        write(uri, out -> out.write(bytes));
    }

    /** Replaces the file at {@code uri} (any Hadoop FS URI) with what {@code content} writes. */
    public static void write(String uri, Content content) {
        Path path = new Path(URI.create(uri));
        try {
            write(path.getFileSystem(HadoopConf.get()), path, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Replaces {@code target} on {@code fs} with what {@code content} writes. */
    public static void write(FileSystem fs, Path target, Content content) throws IOException {
        Path qualified = fs.makeQualified(target);
        if ("file".equals(qualified.toUri().getScheme())) {
            writeLocal(java.nio.file.Path.of(qualified.toUri()), content);
        } else {
            writeHadoop(fs, qualified, content);
        }
    }

    static void writeLocal(java.nio.file.Path target, Content content) throws IOException {
        java.nio.file.Path dir = target.toAbsolutePath().getParent();
        java.nio.file.Path tmp = dir.resolve(target.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectories(dir); // as Hadoop's create does
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.deleteIfExists(dir.resolve("." + target.getFileName() + ".crc"));
        forceDirectory(dir);
    }

    /** Makes a rename or a new entry in {@code dir} durable (a no-op where the platform cannot open a folder). */
    public static void forceDirectory(java.nio.file.Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open a folder for reading; the rename itself has happened
        }
    }

    static void writeHadoop(FileSystem fs, Path target, Content content) throws IOException {
        Path tmp = new Path(target.getParent(), target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                content.writeTo(out);
                out.hsync();
            }
            FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (IOException | RuntimeException | Error e) {
            fs.delete(tmp, false);
            throw e;
        }
    }
}
