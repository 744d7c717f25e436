package org.pocketflow.driver.study;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * A {@link TrialStore} as a JSON-lines file ({@code trials.jsonl} in the run directory) on any
 * Hadoop file system. One line per record:
 * <pre>{"v":1,"crc32":"89abcdef","record":{...}}</pre>
 * where {@code crc32} is the CRC-32 of the record's text exactly as written, so a reader can
 * tell a damaged line. A last line that does not check (a driver killed in mid-write) is
 * ignored with a warning; a damaged line before it is an error.
 *
 * <p><b>Durability.</b> Where the file system can append (HDFS, the local file system), each
 * record is appended and {@code hsync}ed before {@link #append} returns. Where it cannot (S3A and
 * other object stores), the file is rewritten whole as {@code trials.jsonl.tmp}, the old file
 * deleted and the new one renamed into place; a reader that finds only the {@code .tmp} file
 * (a crash between delete and rename) reads that. Rewriting costs O(records) per record, which
 * at one record per trial event is small.
 */
public final class JsonLinesTrialStore implements TrialStore {
    /** Version of the line format. */
    public static final int VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesTrialStore.class);
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final String PREFIX = "{\"v\":" + VERSION + ",\"crc32\":\"";

    private final Path file;
    private final Path tmp;
    private final FileSystem fs;
    private boolean canAppend = true;

    /** The store in {@code fileUri} (created on the first append). */
    public JsonLinesTrialStore(String fileUri) {
        this.file = new Path(fileUri);
        this.tmp = new Path(fileUri + ".tmp");
        try {
            this.fs = file.getFileSystem(new Configuration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of trial store " + fileUri, e);
        }
    }

    /** The store's file. */
    public String uri() {
        return fs.makeQualified(file).toUri().toString();
    }

    @Override
    public synchronized void append(TrialRecord record) {
        String line = line(record);
        try {
            if (canAppend && fs.exists(file)) {
                try (FSDataOutputStream out = fs.append(file)) {
                    write(out, line);
                    return;
                } catch (UnsupportedOperationException | IOException e) {
                    if (!unsupported(e)) {
                        throw e;
                    }
                    LOG.info("{} cannot append ({}); rewriting the trial store by rename from now on", fs.getScheme(),
                            e.getMessage());
                    canAppend = false;
                }
            }
            if (canAppend) {
                try (FSDataOutputStream out = fs.create(file, false)) {
                    write(out, line);
                }
                return;
            }
            rewriteWith(line);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to trial store " + file + "; the record of trial "
                    + record.trial() + " (" + record.state() + ") is not stored", e);
        }
    }

    @Override
    public synchronized List<TrialRecord> load() {
        List<String> lines;
        try {
            lines = readLines();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trial store " + file, e);
        }
        List<TrialRecord> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                records.add(parse(line));
            } catch (IllegalArgumentException e) {
                if (i == lines.size() - 1) {
                    LOG.warn("ignoring the damaged last line of {} (a write cut short): {}", file, e.getMessage());
                } else {
                    throw new IllegalStateException("trial store " + file + " line " + (i + 1) + ": " + e.getMessage()
                            + ". Fix: restore the file from a copy, or delete that line to drop the record", e);
                }
            }
        }
        return List.copyOf(records);
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

    private void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        if (out instanceof FSDataOutputStream d) {
            d.hsync();
        }
    }

    private void rewriteWith(String line) throws IOException {
        List<String> lines = readLines();
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            StringBuilder sb = new StringBuilder();
            lines.forEach(l -> sb.append(l).append('\n'));
            sb.append(line).append('\n');
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.hsync();
        }
        if (fs.exists(file) && !fs.delete(file, false)) {
            throw new IOException("cannot delete " + file + " to replace it");
        }
        if (!fs.rename(tmp, file)) {
            throw new IOException("cannot rename " + tmp + " to " + file);
        }
    }

    private List<String> readLines() throws IOException {
        Path source = fs.exists(file) ? file : fs.exists(tmp) ? tmp : null;
        List<String> lines = new ArrayList<>();
        if (source == null) {
            return lines;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(source), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(l);
            }
        }
        return lines;
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
