package org.pocketflow.driver.study;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.pocketflow.worker.task.TrialRequest;

/**
 * How the {@link TrialScheduler} runs one rung of one trial: starts it and hands back its result
 * (a {@code TrialResult} as JSON) as a future. Every Spark job it starts belongs to the job group
 * it is given, so the scheduler ends it with {@code cancelJobGroup}; cancelling the future (with
 * interruption) ends whatever runs on the driver for it.
 *
 * <p>Called from the scheduler's one thread; implementations are thread-safe for that and for
 * the futures' own threads.
 */
public interface TrialLauncher {

    /** Starts {@code req} in Spark job group {@code group}; never blocks for the work itself. */
    Future<String> launch(JavaSparkContext sc, TrialRequest req, String group);

    /**
     * Says that the trial of {@code req}, the rung last launched for it, has ended for good: it is
     * recorded COMPLETE, PRUNED or FAILED (failed, cancelled, timed out, or the study stopped after
     * too many failures), so nothing will run that rung again. Never called for a trial left
     * RUNNING to be resumed. A launcher that keeps state for a rung run again (a parameter
     * server's rung checkpoints) drops it here, once the rung's work has stopped; never blocks.
     */
    default void ended(TrialRequest req) {
    }

    /** A rung as one Spark task running {@code task} (a {@link TrialTask}, or a stand-in in tests). */
    static TrialLauncher sparkTask(Function<TrialRequest, String> task) {
        return (sc, req, group) -> {
            sc.setJobGroup(group, "trial " + req.trial() + " rung " + req.rung(), true);
            try {
                return new FirstOf(sc.parallelize(List.of(req), 1).map(task).collectAsync());
            } finally {
                sc.clearJobGroup();
            }
        };
    }

    /** The one element of a one-task job's result. */
    record FirstOf(JavaFutureAction<List<String>> job) implements Future<String> {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return job.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean isCancelled() {
            return job.isCancelled();
        }

        @Override
        public boolean isDone() {
            return job.isDone();
        }

        @Override
        public String get() throws InterruptedException, ExecutionException {
            return job.get().get(0);
        }

        @Override
        public String get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            return job.get(timeout, unit).get(0);
        }
    }
}
