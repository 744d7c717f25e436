package org.pocketflow.driver.study;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.pocketflow.worker.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.pocketflow.worker.io.HadoopConf;

/**
 * A {@link TrialStore} as a JSON-lines file ({@code trials.jsonl} in the run directory) on any
 * Hadoop file system. One line per record:
 * <pre>{"v":1,"crc32":"89abcdef","record":{...}}</pre>
 * where {@code crc32} is the CRC-32 of the record's text exactly as written, so a reader can
 * tell a damaged line.
 *
 * <p><b>Journal discipline.</b>
 * <ul>
 * <li>One writer: the store belongs to the job holding the run directory's lease
 * ({@code RunLease}); a second job on the directory is refused before it opens the store.</li>
 * <li>Append, never rewrite, and durable before {@link #append} returns: on {@code file://}
 * each line is appended through NIO and {@code FileChannel.force}d (Hadoop's checksummed local
 * file system can neither append nor sync); on HDFS it is appended and {@code hsync}ed. Only a
 * file system that cannot append (S3A and other object stores) gets the whole file rewritten,
 * atomically (temporary file and rename).</li>
 * <li>Repair on open (the first {@link #load} or {@link #append} of an instance): a last line
 * cut short by a crash is truncated away (logged), so the next append starts on a clean line;
 * a {@code trials.jsonl.tmp} left by an older rewrite-by-rename whose rename never happened
 * becomes the file; on HDFS the lease of a writer that died with the file open is recovered
 * ({@code DistributedFileSystem.recoverLease}). A damaged line before the last is an error.</li>
 * </ul>
 */
public final class JsonLinesTrialStore implements TrialStore {
    /** Version of the line format. */
    public static final int VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesTrialStore.class);
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final String PREFIX = "{\"v\":" + VERSION + ",\"crc32\":\"";
    private static final Duration LEASE_RECOVERY = Duration.ofSeconds(60);

    private final Path file;
    private final Path tmp;
    private final FileSystem fs;
    private final java.nio.file.Path local;
    private boolean canAppend = true;
    private boolean repaired;

    /** The store in {@code fileUri} (created on the first append). */
    public JsonLinesTrialStore(String fileUri) {
        try {
            Path given = new Path(fileUri);
            this.fs = given.getFileSystem(HadoopConf.get());
            this.file = fs.makeQualified(given);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of trial store " + fileUri, e);
        }
        this.tmp = new Path(file.getParent(), file.getName() + ".tmp");
        this.local = "file".equals(file.toUri().getScheme()) ? java.nio.file.Path.of(file.toUri()) : null;
    }

    /** The store's file. */
    public String uri() {
        return file.toUri().toString();
    }

    @Override
    public synchronized void append(TrialRecord record) {
        byte[] line = (line(record) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            repairOnce();
            if (!canAppend) {
                rewriteWith(line);
            } else if (local != null) {
                appendLocal(line);
            } else {
                appendHadoop(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to trial store " + file + "; the record of trial "
                    + record.trial() + " (" + record.state() + ") is not stored", e);
        }
    }

    @Override
    public synchronized List<TrialRecord> load() {
        try {
            repairOnce();
            List<TrialRecord> records = new ArrayList<>();
            List<String> lines = lines(readAll());
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    records.add(parse(lines.get(i)));
                } catch (IllegalArgumentException e) {
                    if (i == lines.size() - 1) {
                        // torn after this instance opened the store (another writer's crash); repaired on the next open
                        LOG.warn("ignoring the damaged last line of {} (a write cut short): {}", file, e.getMessage());
                        continue;
                    }
                    throw new IllegalStateException("trial store " + file + " line " + (i + 1) + ": " + e.getMessage()
                            + ". Fix: restore the file from a copy, or delete that line to drop the record", e);
                }
            }
            return List.copyOf(records);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trial store " + file, e);
        }
    }

    private void appendLocal(byte[] line) throws IOException {
        boolean created = !Files.exists(local);
        try (FileChannel ch = FileChannel.open(local, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false);
        }
        if (created) {
            AtomicFile.forceDirectory(local.getParent());
        }
    }

    private void appendHadoop(byte[] line) throws IOException {
        if (!fs.exists(file)) {
            try (FSDataOutputStream out = fs.create(file, false)) {
                out.write(line);
                out.hsync();
            }
            return;
        }
        try (FSDataOutputStream out = fs.append(file)) {
            out.write(line);
            out.hsync();
        } catch (UnsupportedOperationException | IOException e) {
            if (!unsupported(e)) {
                throw e;
            }
            LOG.info("{} cannot append ({}); rewriting the trial store by rename from now on", fs.getScheme(),
                    e.getMessage());
            canAppend = false;
            rewriteWith(line);
        }
    }

    private void rewriteWith(byte[] line) throws IOException {
        byte[] old = readAll();
        AtomicFile.write(fs, file, out -> {
            out.write(old);
            out.write(line);
        });
    }

    /** Once per instance: the rename a crash interrupted, the lease a dead writer held, a torn last line. */
    private void repairOnce() throws IOException {
        if (repaired) {
            return;
        }
        if (fs.exists(tmp)) {
            if (fs.exists(file)) {
                LOG.warn("removing {}: an interrupted rewrite; {} is the committed store", tmp, file);
                fs.delete(tmp, false);
            } else if (fs.rename(tmp, file)) {
                LOG.warn("recovered the trial store from {} (a crash between delete and rename)", tmp);
            }
        }
        if (local != null) {
            // written by Hadoop's checksummed file system in older runs; NIO appends would make it lie
            Files.deleteIfExists(local.resolveSibling("." + local.getFileName() + ".crc"));
        }
        if (fs.exists(file)) {
            recoverLease();
            byte[] bytes = readAll();
            long good = committedLength(bytes);
            if (good < bytes.length) {
                LOG.warn("truncating the torn last line of {} ({} bytes cut short by a crash)", file, bytes.length - good);
                truncate(good);
            }
        }
        repaired = true;
    }

    /** The length of the lines that end in a newline and check; a torn last line is not counted. */
    private long committedLength(byte[] bytes) {
        int end = bytes.length;
        if (end == 0) {
            return 0;
        }
        int lastNewline = -1;
        for (int i = end - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                lastNewline = i;
                break;
            }
        }
        if (lastNewline < end - 1) {
            return lastNewline + 1; // the last line has no newline: a write cut short
        }
        int start = lastNewline;
        while (start > 0 && bytes[start - 1] != '\n') {
            start--;
        }
        String last = new String(bytes, start, lastNewline - start, StandardCharsets.UTF_8);
        if (last.isBlank()) {
            return end;
        }
        try {
            parse(last);
            return end;
        } catch (IllegalArgumentException e) {
            return start; // a complete-looking but damaged last line, e.g. a page of zeros after a power cut
        }
    }

    private void truncate(long length) throws IOException {
        if (local != null) {
            try (FileChannel ch = FileChannel.open(local, StandardOpenOption.WRITE)) {
                ch.truncate(length);
                ch.force(true);
            }
        } else if (fs instanceof DistributedFileSystem dfs) {
            if (!dfs.truncate(file, length)) {
                awaitClosed(dfs, "the truncation of its torn last line"); // the last block is being recovered
            }
        } else {
            byte[] kept = java.util.Arrays.copyOf(readAll(), (int) length);
            AtomicFile.write(fs, file, out -> out.write(kept));
        }
    }

    /** On HDFS, takes over the lease of a writer that died with the file open for append. */
    private void recoverLease() throws IOException {
        if (fs instanceof DistributedFileSystem dfs && !dfs.recoverLease(file)) {
            awaitClosed(dfs, "the recovery of the lease of a writer that died with it open");
        }
    }

    private void awaitClosed(DistributedFileSystem dfs, String what) throws IOException {
        long deadline = System.nanoTime() + LEASE_RECOVERY.toNanos();
        while (!dfs.isFileClosed(file)) {
            if (System.nanoTime() > deadline) {
                throw new IOException(file + ": " + what + " did not finish within " + LEASE_RECOVERY.toSeconds()
                        + " s; retry later");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for " + what + " of " + file);
            }
        }
    }

    private byte[] readAll() throws IOException {
        if (local != null) {
            return Files.exists(local) ? Files.readAllBytes(local) : new byte[0];
        }
        if (!fs.exists(file)) {
            return new byte[0];
        }
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    private static List<String> lines(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    static String line(TrialRecord record) {
        String json;
        try {
            json = MAPPER.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot render the record of trial " + record.trial(), e);
        }
        return PREFIX + String.format("%08x", crc(json)) + "\",\"record\":" + json + "}";
    }

    static TrialRecord parse(String line) {
        if (!line.startsWith(PREFIX) || line.length() < PREFIX.length() + 21 || !line.endsWith("}")) {
            throw new IllegalArgumentException("not a version-" + VERSION + " trial record: "
                    + line.substring(0, Math.min(60, line.length())));
        }
        String crc = line.substring(PREFIX.length(), PREFIX.length() + 8);
        String json = line.substring(PREFIX.length() + 8 + "\",\"record\":".length(), line.length() - 1);
        if (!crc.equals(String.format("%08x", crc(json)))) {
            throw new IllegalArgumentException("checksum mismatch (stored " + crc + ", computed "
                    + String.format("%08x", crc(json)) + ")");
        }
        try {
            return MAPPER.readValue(json, TrialRecord.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable record: " + e.getMessage(), e);
        }
    }

    private static boolean unsupported(Exception e) {
        return e instanceof UnsupportedOperationException
                || (e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("not supported"));
    }

    private static long crc(String s) {
        CRC32 c = new CRC32();
        c.update(s.getBytes(StandardCharsets.UTF_8));
        return c.getValue();
    }

    /** For tests: forces the rewrite-by-rename path an object store would take. */
    void disableAppend() {
        canAppend = false;
    }
}
