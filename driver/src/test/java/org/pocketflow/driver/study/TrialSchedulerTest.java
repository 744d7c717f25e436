package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.driver.search.RandomSampler;
import org.pocketflow.driver.search.SearchSpace;
import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.task.TrialRequest;

/** The scheduler on a real local Spark context, with stand-in executor work ({@link FakeTrialTasks}). */
class TrialSchedulerTest {
    private static JavaSparkContext sc;
    private static final TrialRequest.TrialContext CTX = new TrialRequest.TrialContext("file:/none", 0, 0, 0.1, 1,
            "channel-pruning", new LearnerOptions(true, "l1", 1, 0), Budget.macs(0.5), false, 0, 1, Map.of());
    private static final SearchSpace SPACE = SearchSpace.builder().continuous("x", 0, 1).build();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        // local[2,2]: two task slots, and a failed task is tried twice (local mode's spark.task.maxFailures)
        sc = SparkContexts.create(JobConfig.load(Optional.empty(), List.of("pocketflow.spark.master=local[2,2]")),
                "trial-scheduler-test");
        sc.parallelize(List.of(1), 1).count(); // warm: the first job of a context pays class loading
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    @BeforeEach
    void reset() {
        FakeTrialTasks.reset();
    }

    private static StudyPlan plan(int trials, int parallelism, int maxFailed, int timeout, EarlyStopper stopper) {
        StudySettings s = new StudySettings("random", trials, 1, parallelism, maxFailed, timeout, false, false,
                stopper.rungs() > 1 ? "successive-halving" : "none", stopper.rungs(), 2, 7, 1, 0, 1);
        return new StudyPlan(SPACE, new RandomSampler(s.samplerSeed()), Optional.empty(),
                (n, p, rung, from, to, resume) -> new TrialRequest(CTX, n, rung, from, to, Map.of("x", p.getDouble("x")),
                        FineTuneSpec.none(), resume, "file:/none/" + n), s, stopper);
    }

    private TrialScheduler scheduler(StudyPlan plan, Function<TrialRequest, String> task, TrialStore store) {
        return new TrialScheduler(sc, task, plan, store, line -> System.out.println("[test] " + line));
    }

    /** Runs rungs as one Spark task each and records which trials the scheduler says have ended for good. */
    private record Recording(TrialLauncher tasks, List<Integer> ended) implements TrialLauncher {
        Recording(Function<TrialRequest, String> task) {
            this(TrialLauncher.sparkTask(task), new java.util.concurrent.CopyOnWriteArrayList<>());
        }

        @Override
        public java.util.concurrent.Future<String> launch(JavaSparkContext sc, TrialRequest req, String group) {
            return tasks.launch(sc, req, group);
        }

        @Override
        public void ended(TrialRequest req) {
            ended.add(req.trial());
        }
    }

    private JsonLinesTrialStore store() {
        return new JsonLinesTrialStore(tmp.resolve("trials.jsonl").toUri().toString());
    }

    @Test
    void runsUpToParallelismTrialsAtOnceAndRecordsEveryOne() throws Exception {
        JsonLinesTrialStore store = store();
        StudyOutcome o = scheduler(plan(5, 2, 5, 0, new NopEarlyStopper()),
                new FakeTrialTasks.Sleepy(400, -1, new double[0]), store).run();
        assertEquals(5, o.count(TrialState.COMPLETE));
        assertEquals(2, FakeTrialTasks.MAX_ACTIVE.get(), "two trials should have overlapped, never three");
        assertEquals(5, StudyState.of(store.load()).count(TrialState.COMPLETE));
        assertEquals(5, o.overheadSeconds().size());
        System.out.println("[figure] scheduling overhead per trial (s): " + o.overheadSeconds());
        // the sampler saw the running trials: five distinct points
        assertEquals(5, o.trials().stream().map(t -> t.point().get("x")).distinct().count());
    }

    @Test
    void cancelsARunningTrialThroughItsJobGroupAndGoesOn() throws Exception {
        TrialScheduler s = scheduler(plan(3, 2, 5, 0, new NopEarlyStopper()),
                new FakeTrialTasks.Sleepy(100, 0, new double[0]), store());
        Thread canceller = new Thread(() -> {
            try {
                if (FakeTrialTasks.started.await(30, TimeUnit.SECONDS)) {
                    s.cancel(0);
                }
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        canceller.start();
        StudyOutcome o = s.run();
        canceller.join();
        TrialRecord t0 = o.trials().get(0);
        assertEquals(TrialState.FAILED, t0.state());
        assertEquals("cancelled", t0.reason());
        assertEquals(2, o.count(TrialState.COMPLETE));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!FakeTrialTasks.INTERRUPTED.containsKey(0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(FakeTrialTasks.INTERRUPTED.containsKey(0), "cancelJobGroup should interrupt the task's thread");
    }

    @Test
    void aTrialPastItsTimeLimitIsRecordedFailedWithTheReason() throws Exception {
        // one at a time: trial 1 starts once trial 0 is cancelled, and has its own clock
        Recording launcher = new Recording(new FakeTrialTasks.Sleepy(100, 0, new double[0]));
        StudyOutcome o = new TrialScheduler(sc, launcher, plan(2, 1, 5, 5, new NopEarlyStopper()), store(),
                line -> System.out.println("[test] " + line)).run();
        assertEquals(TrialState.FAILED, o.trials().get(0).state());
        assertTrue(o.trials().get(0).reason().contains("time limit of 5 s"), o.trials().get(0).reason());
        assertEquals(TrialState.COMPLETE, o.trials().get(1).state(), o.trials().get(1).reason());
        assertEquals(List.of(0, 1), launcher.ended(), "the timed-out trial and the complete one have ended for good");
    }

    @Test
    void sparkRetriesATransientFailureAndTooManyFailuresEndTheStudy() throws Exception {
        StudyOutcome o = scheduler(plan(5, 1, 1, 0, new NopEarlyStopper()), new FakeTrialTasks.Failing(1, 2),
                store()).run();
        assertEquals(3, o.trials().size(), "trial 3 must not start once max-failed-trials is reached");
        assertEquals(TrialState.COMPLETE, o.trials().get(1).state(), "the retry should have succeeded");
        assertEquals(TrialState.FAILED, o.trials().get(2).state());
        assertTrue(o.trials().get(2).reason().contains("boom in trial 2"), o.trials().get(2).reason());
        assertTrue(o.stopReason().contains("max-failed-trials = 1") && o.stopReason().contains("boom"), o.stopReason());
    }

    @Test
    void successiveHalvingPromotesFromCheckpointsAndStopsTheRest() throws Exception {
        StudyOutcome o = scheduler(plan(4, 1, 5, 0, new SuccessiveHalvingEarlyStopper(2, 2)),
                new FakeTrialTasks.Sleepy(10, -1, new double[]{0.5, 0.4, 0.6, 0.3}), store()).run();
        assertEquals(List.of(TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE, TrialState.PRUNED),
                o.trials().stream().map(TrialRecord::state).toList());
        assertEquals(6, o.jobsSubmitted());
        assertEquals("ck-0-0", FakeTrialTasks.RESUMED_FROM.get("0/1"));
        assertEquals("ck-2-0", FakeTrialTasks.RESUMED_FROM.get("2/1"));
        assertEquals("", FakeTrialTasks.RESUMED_FROM.get("1/0"));
        assertEquals(0.4, o.trials().get(1).objective());
    }

    @Test
    void resumesAfterDriverInterruptWithoutRedoingFinishedTrials() throws Exception {
        JsonLinesTrialStore store = store();
        StudyPlan plan = plan(6, 2, 5, 0, new NopEarlyStopper());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Recording launcher = new Recording(new FakeTrialTasks.Sleepy(300, -1, new double[0]));
        Thread driver = new Thread(() -> {
            try {
                new TrialScheduler(sc, launcher, plan, store, line -> System.out.println("[test] " + line)).run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        driver.start();
        while (StudyState.of(store.load()).count(TrialState.COMPLETE) < 2 && driver.isAlive()) {
            Thread.sleep(20);
        }
        driver.interrupt();
        driver.join();
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        StudyState first = StudyState.of(store.load());
        long doneBefore = first.count(TrialState.COMPLETE);
        int startedBefore = first.size();
        assertTrue(doneBefore >= 2 && doneBefore < 6, "interrupted mid-study: " + doneBefore);
        assertEquals(first.trials().stream().filter(t -> t.state() == TrialState.COMPLETE).map(TrialRecord::trial).sorted()
                .toList(), launcher.ended().stream().sorted().toList(), "trials left RUNNING to be resumed have not ended");

        StudyOutcome second = scheduler(plan, new FakeTrialTasks.Sleepy(50, -1, new double[0]), store).run();
        assertEquals(6, second.count(TrialState.COMPLETE));
        assertEquals(1, second.session());
        assertEquals(6 - startedBefore, second.trialsStarted(), "only trials never started are new");
        assertEquals(6 - doneBefore, second.jobsSubmitted(), "finished trials are not run again");
        // every trial was started exactly once across both sessions
        for (int n = 0; n < 6; n++) {
            int trial = n;
            assertEquals(1, store.load().stream().filter(r -> r.trial() == trial && r.rung() == -1
                    && r.state() == TrialState.RUNNING).count(), "trial " + n);
        }
    }
}
