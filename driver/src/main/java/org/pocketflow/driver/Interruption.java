package org.pocketflow.driver;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.spark.util.ShutdownHookManager;

import scala.runtime.AbstractFunction0;
import scala.runtime.BoxedUnit;

/**
 * What Ctrl-C (SIGINT) or a SIGTERM does to a running job: the job thread is interrupted and
 * given time to stop cleanly (running trials cancelled and left RUNNING in the trial store, so
 * {@code pocketflow resume} starts them again; {@code report.json} written with status
 * {@code interrupted}) before Spark stops its context. The hook runs inside Spark's own shutdown
 * sequence at a priority above the SparkContext's, so trials do not first fail on a stopped
 * context and get recorded FAILED. The JVM then exits with 130 (SIGINT) or 143 (SIGTERM).
 */
public final class Interruption {
    /** Above SparkContext's shutdown priority (50): runs before the context stops. */
    private static final int PRIORITY = 100;
    /** How long the job thread gets to write its report after the interrupt. */
    private static final long GRACE_SECONDS = 60;

    private static final AtomicBoolean REQUESTED = new AtomicBoolean();
    /** Set when the job has ended on its own: a shutdown after that (System.exit) is no signal. */
    private static final AtomicBoolean ENDED = new AtomicBoolean();

    private Interruption() {
    }

    /** Whether the JVM is shutting down on a signal while a job runs. */
    public static boolean requested() {
        return REQUESTED.get();
    }

    /** Marks the job as ended on its own, before the JVM exits with its code. */
    public static void jobEnded() {
        ENDED.set(true);
    }

    /**
     * Makes a shutdown interrupt {@code jobThread} and wait for it (up to a grace period) before
     * Spark stops. Call once, from the thread that runs the job.
     */
    public static void install(Thread jobThread) {
        ShutdownHookManager.addShutdownHook(PRIORITY, new AbstractFunction0<BoxedUnit>() {
            @Override
            public BoxedUnit apply() {
                if (!ENDED.get() && jobThread.isAlive()) {
                    REQUESTED.set(true);
                    System.err.println("pocketflow: stopping (signal received); running trials stay resumable ...");
                    jobThread.interrupt();
                    try {
                        jobThread.join(TimeUnit.SECONDS.toMillis(GRACE_SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return BoxedUnit.UNIT;
            }
        });
    }
}
