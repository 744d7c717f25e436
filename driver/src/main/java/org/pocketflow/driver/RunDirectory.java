package org.pocketflow.driver;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The run directory of one job on any Hadoop FileSystem (file://, hdfs://, s3a://): everything a
 * job produces is written here, each file replaced whole.
 */
public final class RunDirectory {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path path;
    private final FileSystem fs;

    private RunDirectory(Path path, FileSystem fs) {
        this.path = path;
        this.fs = fs;
    }

    /**
     * Opens (creating it if needed) {@code explicitDir}, or when that is empty a new directory
     * {@code root/name-yyyyMMdd-HHmmss}. A path without scheme is local and made absolute.
     */
    public static RunDirectory create(String root, String explicitDir, String name, LocalDateTime now) {
        String dir = explicitDir.isEmpty() ? root + "/" + name + "-" + STAMP.format(now) : explicitDir;
        try {
            Path p = new Path(dir);
            FileSystem fs = p.getFileSystem(new Configuration());
            Path qualified = fs.makeQualified(p);
            fs.mkdirs(qualified);
            return new RunDirectory(qualified, fs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + dir
                    + ". Fix: set pocketflow.run.root to a writable folder or URI", e);
        }
    }

    /** Fully qualified URI of the directory, e.g. {@code file:/home/u/runs/quickstart-20261128-101500}. */
    public String uri() {
        return path.toUri().toString();
    }

    /** Writes {@code text} (UTF-8) to {@code name} in this directory, replacing it. */
    public void write(String name, String text) {
        Path file = new Path(path, name);
        try (OutputStream out = fs.create(file, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Whether {@code name} exists in this directory. */
    public boolean exists(String name) {
        try {
            return fs.exists(new Path(path, name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + name + " in " + uri(), e);
        }
    }

    /** The bytes of {@code name} in this directory. */
    public byte[] readBytes(String name) {
        Path file = new Path(path, name);
        try (java.io.InputStream in = fs.open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The text (UTF-8) of {@code name} in this directory. */
    public String read(String name) {
        return new String(readBytes(name), StandardCharsets.UTF_8);
    }

    /** Copies the file at {@code sourceUri} (any Hadoop FS) to {@code name} in this directory, replacing it. */
    public void copyFrom(String sourceUri, String name) {
        Path source = new Path(URI.create(sourceUri));
        try {
            org.apache.hadoop.fs.FileUtil.copy(source.getFileSystem(fs.getConf()), source, fs, new Path(path, name),
                    false, true, fs.getConf());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + sourceUri + " to " + new Path(path, name), e);
        }
    }

    /** Whether a URI (or local path) exists, checked through Hadoop FS. */
    static boolean pathExists(String uri) {
        try {
            Path p = new Path(URI.create(uri.replace(" ", "%20")));
            return p.getFileSystem(new Configuration()).exists(p);
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
