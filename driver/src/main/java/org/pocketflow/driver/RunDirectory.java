package org.pocketflow.driver;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.worker.io.AtomicFile;
import org.pocketflow.worker.io.HadoopConf;

/**
 * The run directory of one job on any Hadoop FileSystem (file://, hdfs://, s3a://): everything a
 * job produces is written here, each file replaced whole and atomically ({@link AtomicFile}).
 *
 * <p>A job {@link #claim claims} its directory before any Spark work: the directory is created,
 * its {@link RunLease} taken (one job at a time), and a directory that already holds a job
 * ({@code job.conf}) is refused to {@code run} — a finished directory is never overwritten; only
 * {@code resume} continues it. Every problem is a {@link ConfigException} (exit code 2) naming
 * the key, the directory and the fix. {@link #close} releases the lease.
 */
public final class RunDirectory implements AutoCloseable {
    /** The resolved configuration of the job that owns the directory. */
    public static final String JOB_CONF = "job.conf";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    /** Schemes looked up when a URI's scheme has no file system, to name the ones that would work. */
    private static final List<String> COMMON_SCHEMES = List.of("file", "hdfs", "webhdfs", "viewfs", "s3a", "gs",
            "abfs", "abfss", "wasb");

    private final Path path;
    private final FileSystem fs;
    private final RunLease lease;

    private RunDirectory(Path path, FileSystem fs, RunLease lease) {
        this.path = path;
        this.fs = fs;
        this.lease = lease;
    }

    /**
     * Opens (creating it if needed) {@code explicitDir}, or when that is empty a new directory
     * {@code root/name-yyyyMMdd-HHmmss}, without a lease (for reading a run directory, and for
     * jobs that do not resume). A path without scheme is local and made absolute.
     */
    public static RunDirectory create(String root, String explicitDir, String name, LocalDateTime now) {
        String dir = explicitDir.isEmpty() ? root + "/" + name + "-" + STAMP.format(now) : explicitDir;
        try {
            Path p = new Path(dir);
            FileSystem fs = p.getFileSystem(HadoopConf.get());
            Path qualified = fs.makeQualified(p);
            fs.mkdirs(qualified);
            return new RunDirectory(qualified, fs, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + dir
                    + ". Fix: set pocketflow.run.root to a writable folder or URI", e);
        }
    }

    /**
     * Creates or opens the run directory of {@code config}'s job and takes its lease.
     *
     * @param resume whether the job continues the one in the directory ({@code job.conf} must be
     *               there) or is a new job (the directory must hold no job)
     * @throws ConfigException naming the key and the fix when the directory cannot be used
     */
    public static RunDirectory claim(JobConfig config, boolean resume, LocalDateTime now) {
        String explicit = config.get(RunKeys.RUN_DIR);
        String key = explicit.isEmpty() ? RunKeys.RUN_ROOT.name() : RunKeys.RUN_DIR.name();
        String dir = explicit.isEmpty()
                ? config.get(RunKeys.RUN_ROOT) + "/" + config.get(RunKeys.JOB_NAME) + "-" + STAMP.format(now)
                : explicit;
        String fix = ". Fix: set " + key + " to a writable folder (a local path, file:///..., hdfs://...)";
        FileSystem fs;
        Path qualified;
        try {
            Path p = new Path(dir);
            fs = p.getFileSystem(HadoopConf.get());
            qualified = fs.makeQualified(p);
        } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
            throw problem(key + " = " + dir + ": " + unreadableScheme(dir).orElse(e.getMessage()) + fix);
        } catch (IOException | IllegalArgumentException e) {
            throw problem(key + " = " + dir + ": not a usable path or URI (" + e.getMessage() + ")" + fix);
        }
        try {
            FileStatus status = statusOrNull(fs, qualified);
            if (status != null && !status.isDirectory()) {
                throw problem(key + " = " + dir + ": a file is there, not a folder" + fix);
            }
            if (status == null && !fs.mkdirs(qualified)) {
                throw problem(key + " = " + dir + ": cannot create the folder" + fix);
            }
        } catch (IOException e) {
            throw problem(key + " = " + dir + ": cannot create the folder (" + e.getMessage() + ")" + fix);
        }
        RunLease lease;
        try {
            lease = RunLease.acquire(fs, qualified, key);
        } catch (IOException e) {
            throw problem(key + " = " + dir + ": cannot write in the folder (" + e.getMessage() + ")" + fix);
        }
        RunDirectory runDir = new RunDirectory(qualified, fs, lease);
        boolean hasJob = runDir.exists(JOB_CONF);
        if (hasJob != resume) {
            lease.close();
            throw problem(resume
                    ? dir + ": no " + JOB_CONF + " there, so it is not a run directory of pocketflow. Fix: pass the "
                            + "folder that `pocketflow run` printed as 'run directory'"
                    : key + " = " + dir + ": already holds a job (" + JOB_CONF + ") and a run directory is never "
                            + "overwritten. Fix: give this job a new " + RunKeys.RUN_DIR.name() + " (or leave it empty "
                            + "for a fresh one under " + RunKeys.RUN_ROOT.name() + "), or continue that job with "
                            + "`pocketflow resume " + dir + "`");
        }
        return runDir;
    }

    private static ConfigException problem(String line) {
        return new ConfigException(List.of(line));
    }

    private static FileStatus statusOrNull(FileSystem fs, Path p) throws IOException {
        try {
            return fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /** Fully qualified URI of the directory, e.g. {@code file:/home/u/runs/quickstart-20261128-101500}. */
    public String uri() {
        return path.toUri().toString();
    }

    /** Writes {@code text} (UTF-8) to {@code name} in this directory, replacing it atomically. */
    public void write(String name, String text) {
        Path file = new Path(path, name);
        try {
            AtomicFile.write(fs, file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
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
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The text (UTF-8) of {@code name} in this directory. */
    public String read(String name) {
        return new String(readBytes(name), StandardCharsets.UTF_8);
    }

    /** Copies the file at {@code sourceUri} (any Hadoop FS) to {@code name} in this directory, replacing it atomically. */
    public void copyFrom(String sourceUri, String name) {
        Path source = new Path(URI.create(sourceUri));
        try (InputStream in = source.getFileSystem(fs.getConf()).open(source)) {
            AtomicFile.write(fs, new Path(path, name), in::transferTo);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + sourceUri + " to " + new Path(path, name), e);
        }
    }

    /** Releases the directory's lease (if this job holds one). */
    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
    }

    /**
     * Why no file system reads {@code uri}: its scheme has none here, e.g. {@code no file system for
     * the scheme 'foo' (this build reads file, hdfs, webhdfs, viewfs)}; empty for a local path or a
     * scheme that has one.
     */
    public static Optional<String> unreadableScheme(String uri) {
        String scheme;
        try {
            scheme = new Path(URI.create(uri.replace(" ", "%20"))).toUri().getScheme();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (scheme == null || hasFileSystem(scheme)) {
            return Optional.empty();
        }
        List<String> working = COMMON_SCHEMES.stream().filter(RunDirectory::hasFileSystem).toList();
        return Optional.of("no file system for the scheme '" + scheme + "' (this build reads " + String.join(", ", working)
                + "; others need their Hadoop connector on the classpath and its spark.hadoop.fs.<scheme>.impl)");
    }

    private static boolean hasFileSystem(String scheme) {
        try {
            FileSystem.getFileSystemClass(scheme, HadoopConf.get());
            return true;
        } catch (IOException | RuntimeException e) {
            // core-default.xml names connectors (fs.s3a.impl) whose classes may not be here
            return false;
        }
    }

    /** Whether a URI (or local path) exists, checked through Hadoop FS. */
    public static boolean pathExists(String uri) {
        try {
            Path p = new Path(URI.create(uri.replace(" ", "%20")));
            return p.getFileSystem(HadoopConf.get()).exists(p);
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
