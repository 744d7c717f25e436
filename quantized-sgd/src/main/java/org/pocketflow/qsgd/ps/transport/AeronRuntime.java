package org.pocketflow.qsgd.ps.transport;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.File;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One embedded Aeron media driver and one Aeron client: what a JVM needs to create {@link
 * AeronEndpoint}s. Every endpoint's traffic still goes over UDP (the channels are {@code
 * aeron:udp}), so endpoints of one runtime talk to each other exactly as they would across hosts.
 *
 * <p><b>Ownership and call order.</b> Create one runtime per JVM, create endpoints from it, close
 * the endpoints, then close the runtime. The runtime's directory lies under {@code /dev/shm} when
 * it exists (Aeron maps its log buffers there) and is deleted on close. The driver runs one
 * shared thread with a back-off idle strategy, so a quiet JVM costs little CPU on a small host.
 *
 * <p><b>Errors.</b> An exception thrown by a {@link MessageHandler} leaves {@link
 * AeronEndpoint#poll} on the polling thread (see {@link #rethrow}); Aeron's default would print it
 * and go on polling.
 */
public final class AeronRuntime implements AutoCloseable {
    private final MediaDriver driver;
    private final Aeron aeron;
    private final TransportSettings settings;

    /** A runtime with {@link TransportSettings#DEFAULTS}. */
    public AeronRuntime() {
        this(TransportSettings.DEFAULTS);
    }

    public AeronRuntime(TransportSettings settings) {
        this.settings = settings;
        File shm = new File("/dev/shm");
        String base = shm.isDirectory() ? shm.getPath() : System.getProperty("java.io.tmpdir");
        String dir = base + File.separator + "pocketflow-aeron-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
        MediaDriver.Context driverContext = new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100)))
                .termBufferSparseFile(true)
                .mtuLength(settings.mtuBytes())
                .publicationTermBufferLength(settings.termBytes())
                .initialWindowLength(settings.windowBytes())
                .socketRcvbufLength(settings.socketBufferBytes())
                .socketSndbufLength(settings.socketBufferBytes());
        try {
            driver = MediaDriver.launchEmbedded(driverContext);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the Aeron media driver in " + dir + ": " + e.getMessage()
                    + " (it needs free space in /dev/shm and -Daeron.publication.unblock.timeout above the client"
                    + " liveness timeout, as pf.jvm.flags sets)", e);
        }
        try {
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())
                    .subscriberErrorHandler(AeronRuntime::rethrow));
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    /**
     * The error handler of every subscription: Aeron catches what a fragment handler throws and
     * hands it here; rethrowing it makes {@link AeronEndpoint#poll} throw it to its caller (Aeron
     * has already consumed the fragment), so a handler's failure is never swallowed or only printed.
     */
    static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("a message handler failed: " + t, t);
    }

    /** The Aeron client, for tests of this package that publish raw frames. */
    Aeron client() {
        return aeron;
    }

    /** The folder of the driver's files (under {@code /dev/shm} where it exists). */
    public String directory() {
        return driver.aeronDirectoryName();
    }

    /** The settings every endpoint of this runtime uses. */
    public TransportSettings settings() {
        return settings;
    }

    /**
     * A new endpoint bound to {@code bind} that takes messages up to {@link
     * TransportSettings#maxMessageBytes()} from up to 16 peers; the caller owns it and closes it
     * before this runtime.
     */
    public AeronEndpoint bind(Address bind) {
        return bind(bind, AssemblyLimits.forPeers(settings.maxMessageBytes(), 16));
    }

    /** A new endpoint bound to {@code bind} that rebuilds messages within {@code limits}. */
    public AeronEndpoint bind(Address bind, AssemblyLimits limits) {
        return new AeronEndpoint(aeron, bind, settings, limits);
    }

    /**
     * Deletes this runtime's directory when the JVM exits, and closes nothing. At exit other
     * threads (a parameter server's loop, a worker task's) may still be polling endpoints of this
     * runtime; closing the client and the driver then unmaps the log buffers under them, and the
     * next poll crashes the JVM (SIGSEGV in {@code Image.poll}), which turns a job's orderly exit
     * status (143 after SIGTERM) into 134 and a crash report. Unlinking the files is safe while they
     * are mapped; the process's end releases the memory. For a runtime that lives as long as its
     * JVM; one closed earlier uses {@link #close()}.
     */
    public void deleteDirectoryAtExit() {
        File dir = new File(driver.aeronDirectoryName());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> IoUtil.delete(dir, true), "pocketflow-aeron-directory"));
    }

    @Override
    public void close() {
        try {
            aeron.close();
        } finally {
            driver.close();
        }
    }
}
