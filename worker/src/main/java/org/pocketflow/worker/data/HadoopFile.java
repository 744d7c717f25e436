package org.pocketflow.worker.data;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A file or folder reached through Hadoop's {@link FileSystem}, so that local paths,
 * {@code file://} and {@code hdfs://} URIs are read the same way. A string without a scheme
 * is a local path (relative ones against the working directory), whatever
 * {@code fs.defaultFS} says, so that a bare path never silently points into a cluster.
 */
public final class HadoopFile {
    private final FileSystem fs;
    private final Path path;

    private HadoopFile(FileSystem fs, Path path) {
        this.fs = fs;
        this.path = fs.makeQualified(path);
    }

    /**
     * @param location a URI such as {@code hdfs://host:8020/data} or a local path
     * @param conf     the Hadoop configuration to look the file system up with
     * @return the resolved file
     */
    public static HadoopFile resolve(String location, Configuration conf) {
        if (location == null || location.isBlank()) {
            throw new DatasetException("dataset location is empty; give a folder path or a URI "
                    + "such as file:///usr/share/datasets/fashion-mnist or hdfs://namenode:8020/data");
        }
        URI uri = toUri(location.strip());
        try {
            return new HadoopFile(FileSystem.get(uri, conf), new Path(uri));
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot open the file system of " + location + ": " + e.getMessage()
                    + "; check the URI scheme and that the cluster is reachable", e);
        }
    }

    private static URI toUri(String location) {
        try {
            URI uri = new URI(location);
            if (uri.getScheme() != null && uri.getScheme().length() > 1) {
                return uri;
            }
        } catch (URISyntaxException notAUri) {
            // a local path with characters a URI does not allow, such as spaces
        }
        return new File(location).getAbsoluteFile().toURI();
    }

    /** @return the file {@code name} inside this folder */
    public HadoopFile child(String name) {
        return new HadoopFile(fs, new Path(path, name));
    }

    /** @return whether the file exists and is a regular file */
    public boolean isFile() {
        FileStatus status = status();
        return status != null && status.isFile();
    }

    /** @return whether the folder exists */
    public boolean isDirectory() {
        FileStatus status = status();
        return status != null && status.isDirectory();
    }

    /** @return the status, or null when nothing exists at this path */
    private FileStatus status() {
        try {
            return fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new DatasetException("cannot reach " + this + ": " + e.getMessage()
                    + "; check that the file system is up and the path is readable", e);
        }
    }

    /** @return a new stream over the raw bytes; the caller closes it */
    public InputStream open() throws IOException {
        return fs.open(path);
    }

    /** @return the last component of the path, e.g. {@code train-00002-of-01024} */
    public String name() {
        String name = path.getName();
        return name.isEmpty() && path.getParent() != null ? path.getParent().getName() : name;
    }

    /** @return the file's length in bytes; 0 when nothing exists at this path */
    public long length() {
        FileStatus status = status();
        return status == null ? 0 : status.getLen();
    }

    /**
     * @return the entries of this folder, sorted by name (byte order of the names, as
     *     torchvision's {@code ImageFolder} sorts its classes)
     */
    public java.util.List<HadoopFile> list() {
        try {
            FileStatus[] entries = fs.listStatus(path);
            return java.util.Arrays.stream(entries).map(e -> new HadoopFile(fs, e.getPath()))
                    .sorted(java.util.Comparator.comparing(HadoopFile::name)).toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list " + this + ": " + e.getMessage()
                    + "; check that the folder exists and is readable", e);
        }
    }

    /**
     * Writes the file atomically: the bytes go to a hidden temporary file beside it, which is
     * renamed over the target once complete. On the local file system no {@code .crc} side file is
     * written: the formats written this way carry their own checksums, and other tools that write
     * the same files (TensorFlow) leave none.
     *
     * @param writer fills the stream; the caller must not close it
     */
    public void writeAtomically(IoWriter writer) throws IOException {
        FileSystem target = fs instanceof org.apache.hadoop.fs.LocalFileSystem local ? local.getRaw() : fs;
        Path tmp = new Path(path.getParent(), "." + path.getName() + ".tmp");
        try (java.io.OutputStream out = target.create(tmp, true)) {
            writer.write(out);
        }
        if (target.exists(path)) {
            target.delete(path, false);
        }
        if (!target.rename(tmp, path)) {
            throw new IOException("cannot rename " + tmp + " to " + path);
        }
    }

    /** Fills an output stream; may throw I/O errors. */
    @FunctionalInterface
    public interface IoWriter {
        /** @param out the stream to fill */
        void write(java.io.OutputStream out) throws IOException;
    }

    /** @return the fully qualified URI, e.g. {@code file:/data/x} or {@code hdfs://nn:8020/data/x} */
    @Override
    public String toString() {
        return path.toString();
    }
}
