package org.pocketflow.driver.distributed;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.TrainingResult;

/**
 * The end of a parameter server's run with its Spark job of workers: the server decides the end
 * (it applied the planned steps, or no worker is left), the job only carries the workers. After
 * the server's end the tasks get a grace period to report, then their job group is cancelled, so
 * a killed executor, a retried task that cannot rejoin or a stalled worker never hangs the run.
 */
final class ServerJob {
    /** How long live workers get to report after the final parameters (they need only to receive them). */
    static final long GRACE_MILLIS = 10_000;

    private ServerJob() {
    }

    /**
     * Waits for the server's result.
     *
     * @param timeoutMillis how long the server may go on after every worker task ended
     * @throws IllegalStateException if the server failed, or every task ended and the server did not
     *     finish within {@code timeoutMillis}, or the thread was interrupted (its flag set again)
     */
    static TrainingResult await(ParameterServer server, JavaFutureAction<?> job, long timeoutMillis) {
        long tasksGoneAt = 0;
        while (true) {
            try {
                return server.await(1, TimeUnit.SECONDS);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof java.util.concurrent.TimeoutException)) {
                    throw e;
                }
            }
            if (job.isDone() && tasksGoneAt == 0) {
                tasksGoneAt = System.nanoTime();
            }
            if (tasksGoneAt != 0 && System.nanoTime() - tasksGoneAt > TimeUnit.MILLISECONDS.toNanos(timeoutMillis)) {
                throw new IllegalStateException("every worker task ended but the parameter server is at step " + server.step()
                        + " (" + server.stats() + "); see the executor logs for the workers' errors", failure(job));
            }
        }
    }

    private static Throwable failure(JavaFutureAction<?> job) {
        try {
            job.get(0, TimeUnit.MILLISECONDS);
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    /** The workers' reports: live workers end right after the server's final parameters; others are cancelled. */
    static <T> List<T> reports(JavaSparkContext sc, JavaFutureAction<List<T>> job, String group, Consumer<String> out) {
        try {
            return job.get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sc.cancelJobGroup(group);
            return List.of();
        } catch (Exception e) {
            out.accept("worker tasks did not all report (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); training had already finished, cancelling them");
            sc.cancelJobGroup(group);
            return List.of();
        }
    }
}
