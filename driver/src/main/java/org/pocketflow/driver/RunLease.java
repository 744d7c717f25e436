package org.pocketflow.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.worker.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease that makes one job at a time the owner of a run directory: the file
 * {@code run.lease} (host, pid, a random token, the heartbeat time), created with
 * create-if-absent and refreshed by a daemon thread every {@link #INTERVAL}.
 *
 * <p><b>Stale leases.</b> A lease whose heartbeat is older than {@link #STALE_AFTER} intervals
 * belongs to a job that died without releasing it (killed, machine lost), as Optuna's heartbeats
 * judge a trial: it is taken over by renaming it aside (only one of several contenders can rename
 * it) and creating a fresh one. A holder on this host whose process no longer exists (Ctrl-C,
 * kill -9) is stale at once. A live lease refuses the second job with exit code 2, naming the
 * holder. The holder checks its token at each heartbeat and logs an error when it lost the
 * lease (its heartbeats stopped for longer than the stale limit, e.g. a paused JVM).
 */
public final class RunLease implements AutoCloseable {
    /** The lease file's name in the run directory. */
    public static final String FILE = "run.lease";
    /** How often the holder refreshes the heartbeat. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);
    /** A heartbeat older than this many intervals marks a dead holder. */
    public static final int STALE_AFTER = 6;
    private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);

    private final FileSystem fs;
    private final Path file;
    private final String token = UUID.randomUUID().toString();
    private final ScheduledExecutorService heartbeat;
    private final Duration interval;

    private RunLease(FileSystem fs, Path file, Duration interval) {
        this.fs = fs;
        this.file = file;
        this.interval = interval;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pocketflow-run-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Takes the lease of {@code dir}, or throws a {@link ConfigException} naming the live holder.
     *
     * @param key the configuration key that chose the directory, named in the message
     */
    static RunLease acquire(FileSystem fs, Path dir, String key) throws IOException {
        return acquire(fs, dir, key, INTERVAL);
    }

    static RunLease acquire(FileSystem fs, Path dir, String key, Duration interval) throws IOException {
        RunLease lease = new RunLease(fs, new Path(dir, FILE), interval);
        if (!lease.tryCreate()) {
            Optional<Properties> holder = readHolder(fs, lease.file);
            Duration age = holder.map(RunLease::age).orElse(Duration.ZERO);
            boolean stale = holder.isPresent()
                    && (age.compareTo(interval.multipliedBy(STALE_AFTER)) > 0 || deadOnThisHost(holder.get()));
            if (!stale || !lease.takeOver(holder.get().getProperty("token"))) {
                lease.heartbeat.shutdown();
                throw new ConfigException(List.of(key + " = " + dir + ": in use by " + describe(holder, age)
                        + ". Fix: wait for that job to end, or give this job another " + key + " (a lease whose "
                        + "heartbeat is older than " + interval.multipliedBy(STALE_AFTER).toSeconds()
                        + " s is taken over)"));
            }
            LOG.warn("took over the stale lease of {} ({})", dir, describe(holder, age));
        }
        lease.heartbeat.scheduleWithFixedDelay(lease::beat, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return lease;
    }

    /** Stops the heartbeat and removes the lease if it is still this job's. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            if (owned()) {
                fs.delete(file, false);
            }
        } catch (IOException e) {
            LOG.warn("cannot release the lease {}: {}", file, e.getMessage());
        }
    }

    private boolean tryCreate() throws IOException {
        byte[] content = content();
        if ("file".equals(file.toUri().getScheme())) {
            try (OutputStream out = Files.newOutputStream(java.nio.file.Path.of(file.toUri()),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
                out.write(content);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        }
        try (OutputStream out = fs.create(file, false)) {
            out.write(content);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Renames the stale lease aside (one contender wins) and creates this one. */
    private boolean takeOver(String staleToken) throws IOException {
        Path aside = new Path(file.getParent(), FILE + ".stale-" + token);
        if (!fs.rename(file, aside)) {
            return false; // another contender renamed it first
        }
        boolean wasStale = readHolder(fs, aside).map(p -> p.getProperty("token", "").equals(staleToken)).orElse(false);
        if (!wasStale) {
            fs.rename(aside, file); // a contender's fresh lease: put it back
            return false;
        }
        fs.delete(aside, false);
        return tryCreate();
    }

    private void beat() {
        try {
            if (!owned()) {
                LOG.error("lost the lease of {}: another job took it over; this job's further writes may collide",
                        file.getParent());
                heartbeat.shutdown();
                return;
            }
            AtomicFile.write(fs, file, out -> out.write(content()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot refresh the lease {}: {}", file, e.getMessage());
        }
    }

    private boolean owned() throws IOException {
        return readHolder(fs, file).map(p -> token.equals(p.getProperty("token"))).orElse(false);
    }

    private static Optional<Properties> readHolder(FileSystem fs, Path file) {
        try (InputStream in = fs.open(file)) {
            Properties p = new Properties();
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            return p.getProperty("heartbeat") == null ? Optional.empty() : Optional.of(p);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] content() {
        return ("# the lease of the job that owns this run directory; see docs/FAULTS.md\n"
                + "host=" + hostName() + "\npid=" + ProcessHandle.current().pid() + "\ntoken=" + token
                + "\nheartbeat=" + Instant.now() + "\nintervalMillis=" + interval.toMillis() + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A holder on this machine whose process is gone (Ctrl-C, kill -9) needs no wait for its heartbeat to age. */
    private static boolean deadOnThisHost(Properties holder) {
        try {
            return hostName().equals(holder.getProperty("host"))
                    && ProcessHandle.of(Long.parseLong(holder.getProperty("pid", ""))).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    private static Duration age(Properties p) {
        try {
            return Duration.between(Instant.parse(p.getProperty("heartbeat")), Instant.now());
        } catch (java.time.format.DateTimeParseException e) {
            return Duration.ZERO;
        }
    }

    private static String describe(Optional<Properties> holder, Duration age) {
        return holder.map(p -> "pid " + p.getProperty("pid") + " on host " + p.getProperty("host") + " (heartbeat "
                + age.toSeconds() + " s ago)").orElse("another job (its lease file is being written)");
    }
}
