package org.pocketflow.driver.study;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.pocketflow.driver.JobRunner;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;

/**
 * Runs a study's trials on Spark, up to P at once. A {@link TrialLauncher} starts each rung (one
 * Spark task, or W workers through the trial's parameter server); every Spark job of a trial runs
 * in the job group {@code pocketflow-trial-N}, so {@link #cancel} (and the time limit) end it with
 * {@code cancelJobGroup} and by cancelling the rung's future; Spark interrupts the tasks' threads
 * and the trial's fine-tuning stops at its next step. Every state change goes to the {@link TrialStore} before the next step, so a
 * restarted driver ({@link #run} on a store with records) continues where this one stopped:
 * finished trials are not run again, trials that were running start again from the last rung
 * they finished. A trial that ends for good (COMPLETE, PRUNED, FAILED) is handed to the launcher's
 * {@link TrialLauncher#ended}, one left RUNNING for a resume is not.
 *
 * <p><b>Failures.</b> A job that throws is retried by Spark ({@code spark.task.maxFailures}; in
 * local mode the master must say so, e.g. {@code local[2,3]}); when Spark gives up, the trial is
 * recorded FAILED with the root cause. A diverged fine-tuning comes back FAILED at once (a retry
 * would diverge again). After {@code max-failed-trials} failures the study stops.
 *
 * <p><b>Threads.</b> {@link #run} runs on one thread (the driver's), which alone proposes,
 * submits and records. {@link #cancel} may be called from any thread. Waiting on Spark's futures
 * happens on daemon threads that only hand completions to the run thread. Interrupting the run
 * thread cancels the running jobs, leaves them RUNNING in the store (to be resumed) and throws.
 */
public final class TrialScheduler {
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final JavaSparkContext sc;
    private final TrialLauncher launcher;
    private final StudyPlan plan;
    private final TrialStore store;
    private final Consumer<String> out;
    private final BlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> cancelRequests = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Running> running = new LinkedHashMap<>();
    private final Map<Integer, Long> trialStartNanos = new LinkedHashMap<>();
    private final List<Double> overheadSeconds = new ArrayList<>();
    private final List<Double> trialSeconds = new ArrayList<>();
    private final ExecutorService storeWriter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pocketflow-trial-store");
        t.setDaemon(true);
        return t;
    });
    private StudyState state;
    private int session;
    private int jobsSubmitted;
    private int trialsStarted;
    private long lastProgress;

    /** A job in flight. */
    private record Running(int trial, Point point, int rung, TrialRequest request, Future<String> future,
                           long submittedMicros, long deadlineNanos) {
    }

    /** A finished job as a waiter thread saw it; trial -1 only wakes the run thread. */
    private record Completion(int trial, int rung, String json, Throwable error) {
    }

    /**
     * @param task the executor's work (a {@link TrialTask}, or a stand-in in tests); serialisable
     */
    public TrialScheduler(JavaSparkContext sc, Function<TrialRequest, String> task, StudyPlan plan, TrialStore store,
                          Consumer<String> out) {
        this(sc, TrialLauncher.sparkTask(task), plan, store, out);
    }

    /**
     * @param launcher how a rung runs (one Spark task, or several workers through a parameter server)
     */
    public TrialScheduler(JavaSparkContext sc, TrialLauncher launcher, StudyPlan plan, TrialStore store,
                          Consumer<String> out) {
        this.sc = sc;
        this.launcher = launcher;
        this.plan = plan;
        this.store = store;
        this.out = out;
    }

    /** Asks the run thread to cancel trial {@code trial}; it is recorded FAILED with reason "cancelled". */
    public void cancel(int trial) {
        cancelRequests.add(trial);
        completions.add(new Completion(-1, -1, null, null));
    }

    /**
     * Runs (or resumes) the study until every trial has finished, or too many failed.
     *
     * @throws InterruptedException when the calling thread is interrupted; running jobs are cancelled first
     */
    public StudyOutcome run() throws InterruptedException {
        state = StudyState.of(store.load());
        session = state.sessions();
        StudySettings s = plan.settings();
        ExecutorService waiters = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pocketflow-trial-waiter");
            t.setDaemon(true);
            return t;
        });
        String stopReason = "";
        try {
            List<TrialRecord> resumable = new ArrayList<>(state.interrupted());
            if (!resumable.isEmpty()) {
                out.accept("study: resuming " + resumable.size() + " interrupted trial(s) "
                        + resumable.stream().map(TrialRecord::trial).toList() + " from their last finished rung (a rung on several"
                        + " workers from its parameter server's last checkpoint, where it wrote one)");
            }
            while (true) {
                drainCancelRequests();
                cancelOverdue();
                if (state.count(TrialState.FAILED) >= s.maxFailed()) {
                    stopReason = tooManyFailures(s);
                    cancelAll("cancelled: the study stopped after too many failures");
                    break;
                }
                while (running.size() < s.parallelism() && (!resumable.isEmpty() || state.nextNumber() < s.trials())) {
                    if (!resumable.isEmpty()) {
                        TrialRecord r = resumable.remove(0);
                        submit(waiters, r.trial(), new Point(r.point()), r.rung() + 1,
                                r.result() == null ? "" : r.result().checkpoint());
                    } else {
                        startNewTrial(waiters);
                    }
                }
                if (running.isEmpty()) {
                    break;
                }
                Completion c = completions.poll(pollMillis(), TimeUnit.MILLISECONDS);
                if (c != null && c.trial() >= 0) {
                    handle(waiters, c);
                }
                if (System.nanoTime() - lastProgress > PROGRESS_EVERY_NANOS) {
                    progress();
                }
            }
        } catch (InterruptedException e) {
            running.values().forEach(this::cancelJob);
            out.accept("study: interrupted with " + running.size() + " trial(s) running; they stay RUNNING in the "
                    + "trial store and start again from their last finished rung on resume (from their server's last checkpoint"
                    + " when they run on several workers)");
            running.clear();
            throw e;
        } catch (RuntimeException e) {
            running.values().forEach(this::cancelJob);
            running.clear();
            throw e;
        } finally {
            waiters.shutdownNow();
            storeWriter.shutdown();
        }
        return new StudyOutcome(state.trials(), stopReason, List.copyOf(overheadSeconds), trialsStarted,
                jobsSubmitted, session);
    }

    private void startNewTrial(ExecutorService waiters) {
        int n = state.nextNumber();
        Point p = n == 0 && plan.firstPoint().isPresent() ? plan.firstPoint().get()
                : plan.sampler().propose(plan.space(), state.history());
        record(new TrialRecord(n, TrialState.RUNNING, -1, p.values(), Double.NaN, "", null, session, millis()));
        trialsStarted++;
        submit(waiters, n, p, 0, "");
    }

    private void submit(ExecutorService waiters, int n, Point p, int rung, String resumeFrom) {
        EarlyStopper stopper = plan.stopper();
        double from = rung == 0 ? 0 : stopper.rungEnd(rung - 1);
        TrialRequest req = plan.requests().request(n, p, rung, from, stopper.rungEnd(rung), resumeFrom);
        trialStartNanos.putIfAbsent(n, System.nanoTime());
        int timeout = plan.settings().timeoutSeconds();
        long deadline = timeout == 0 ? Long.MAX_VALUE : trialStartNanos.get(n) + TimeUnit.SECONDS.toNanos(timeout);
        long submitted = micros();
        Future<String> future = launcher.launch(sc, req, group(n));
        jobsSubmitted++;
        running.put(n, new Running(n, p, rung, req, future, submitted, deadline));
        waiters.submit(() -> {
            Completion c;
            try {
                c = new Completion(n, rung, future.get(), null);
            } catch (ExecutionException e) {
                c = new Completion(n, rung, null, e.getCause() == null ? e : e.getCause());
            } catch (CancellationException | InterruptedException e) {
                c = new Completion(n, rung, null, e);
            }
            completions.add(c);
        });
    }

    private void handle(ExecutorService waiters, Completion c) {
        Running r = running.get(c.trial());
        if (r == null || r.rung() != c.rung()) {
            return; // cancelled or timed out before; already recorded
        }
        running.remove(c.trial());
        if (c.error() != null) {
            fail(r, JobRunner.rootMessage(c.error()), null);
            return;
        }
        TrialResult res;
        try {
            res = Json.MAPPER.readValue(c.json(), TrialResult.class);
        } catch (java.io.IOException e) {
            fail(r, "unreadable trial result: " + e.getMessage(), null);
            return;
        }
        if (!TrialResult.COMPLETE.equals(res.status())) {
            fail(r, res.reason(), res);
            return;
        }
        EarlyStopper stopper = plan.stopper();
        double acc = res.validationAccuracy();
        if (r.rung() == stopper.rungs() - 1) {
            record(new TrialRecord(r.trial(), TrialState.COMPLETE, r.rung(), r.point().values(), acc, "", res,
                    session, millis()));
            finished(r);
        } else {
            List<Double> atRung = new ArrayList<>(state.atRung(r.rung()));
            atRung.add(acc);
            if (stopper.promote(r.rung(), acc, atRung)) {
                record(new TrialRecord(r.trial(), TrialState.RUNNING, r.rung(), r.point().values(), acc, "", res,
                        session, millis()));
                submit(waiters, r.trial(), r.point(), r.rung() + 1, res.checkpoint());
            } else {
                record(new TrialRecord(r.trial(), TrialState.PRUNED, r.rung(), r.point().values(), acc,
                        String.format("stopped early after rung %d of %d: validation accuracy %.4f is not among the "
                                + "best 1/eta of the %d trials there", r.rung() + 1, stopper.rungs(), acc, atRung.size()),
                        res, session, millis()));
                finished(r);
            }
        }
        // scheduling overhead: submit -> task start, plus task end -> result handled (next job submitted)
        overheadSeconds.add(((res.startedMicros() - r.submittedMicros()) + (micros() - res.finishedMicros())) / 1e6);
    }

    private void fail(Running r, String reason, TrialResult res) {
        record(new TrialRecord(r.trial(), TrialState.FAILED, r.rung() - 1, r.point().values(), Double.NaN, reason,
                res, session, millis()));
        out.accept("study: trial " + r.trial() + " failed: " + reason);
        finished(r);
    }

    private void drainCancelRequests() {
        for (Integer n = cancelRequests.poll(); n != null; n = cancelRequests.poll()) {
            Running r = running.remove(n);
            if (r != null) {
                cancelJob(r);
                fail(r, "cancelled", null);
            }
        }
    }

    private void cancelOverdue() {
        long now = System.nanoTime();
        for (Running r : List.copyOf(running.values())) {
            if (now > r.deadlineNanos()) {
                running.remove(r.trial());
                cancelJob(r);
                fail(r, "exceeded its time limit of " + plan.settings().timeoutSeconds() + " s (pocketflow.search"
                        + ".trial-timeout) and was cancelled", null);
            }
        }
    }

    private void cancelAll(String reason) {
        for (Running r : List.copyOf(running.values())) {
            running.remove(r.trial());
            cancelJob(r);
            fail(r, reason, null);
        }
    }

    /** Ends {@code r}'s Spark jobs and whatever runs for it on the driver (its parameter server). */
    private void cancelJob(Running r) {
        sc.cancelJobGroup(group(r.trial()));
        r.future().cancel(true);
    }

    private String tooManyFailures(StudySettings s) {
        String last = state.trials().stream().filter(t -> t.state() == TrialState.FAILED)
                .reduce((a, b) -> b.millis() >= a.millis() ? b : a).map(TrialRecord::reason).orElse("");
        return "the study stopped: " + state.count(TrialState.FAILED) + " trials failed (pocketflow.search"
                + ".max-failed-trials = " + s.maxFailed() + "); the last because: " + last + ". Fix the cause (see "
                + "each trial's reason in trials.jsonl), or raise pocketflow.search.max-failed-trials";
    }

    /** {@code r}'s trial has ended for good (recorded COMPLETE, PRUNED or FAILED). */
    private void finished(Running r) {
        launcher.ended(r.request());
        Long t0 = trialStartNanos.get(r.trial());
        if (t0 != null) {
            trialSeconds.add((System.nanoTime() - t0) / 1e9);
        }
        progress();
    }

    /**
     * Stores {@code r}, then folds it in. The write happens on the store's own thread, which is
     * never interrupted: an interrupt of the run thread (a stopping driver) waits until the record
     * is stored, since an interrupted write would lose it, and is raised again afterwards.
     */
    private void record(TrialRecord r) {
        Future<?> write = storeWriter.submit(() -> store.append(r));
        boolean interrupted = false;
        while (true) {
            try {
                write.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        state.add(r);
    }

    private void progress() {
        lastProgress = System.nanoTime();
        out.accept(StudyProgress.line(state, running.size(), plan.settings(), trialSeconds));
    }

    private long pollMillis() {
        long next = running.values().stream().mapToLong(Running::deadlineNanos).min().orElse(Long.MAX_VALUE);
        long untilDeadline = next == Long.MAX_VALUE ? Long.MAX_VALUE
                : Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + 1);
        return Math.min(untilDeadline, TimeUnit.NANOSECONDS.toMillis(PROGRESS_EVERY_NANOS));
    }

    static String group(int trial) {
        return "pocketflow-trial-" + trial;
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static long millis() {
        return System.currentTimeMillis();
    }
}
