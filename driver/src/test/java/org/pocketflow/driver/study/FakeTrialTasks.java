package org.pocketflow.driver.study;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.pocketflow.driver.Json;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;

/**
 * Stand-ins for the executor's work, so the scheduler's behaviour is tested in seconds. Spark's
 * local mode runs tasks in this JVM, so the static fields below see what the tasks did.
 */
final class FakeTrialTasks {
    static final AtomicInteger ACTIVE = new AtomicInteger();
    static final AtomicInteger MAX_ACTIVE = new AtomicInteger();
    static final Map<Integer, Boolean> INTERRUPTED = new ConcurrentHashMap<>();
    static final Map<String, String> RESUMED_FROM = new ConcurrentHashMap<>();
    static volatile CountDownLatch started = new CountDownLatch(1);

    private FakeTrialTasks() {
    }

    static void reset() {
        ACTIVE.set(0);
        MAX_ACTIVE.set(0);
        INTERRUPTED.clear();
        RESUMED_FROM.clear();
        started = new CountDownLatch(1);
    }

    /** Objective: {@code base[trial % base.length]}, or the point's x when {@code base} is empty. */
    static String result(TrialRequest r, double[] base, long startedMicros) {
        double acc = base.length == 0 ? r.settings().get("x") : base[r.trial() % base.length];
        TrialResult res = new TrialResult(r.trial(), r.rung(), TrialResult.COMPLETE, "", acc, 100, 10, 1000, 500,
                new Latency(0.1, 1.0), r.settings(), "ck-" + r.trial() + "-" + r.rung(), "pk-" + r.trial(),
                startedMicros, micros());
        try {
            return Json.MAPPER.writeValueAsString(res);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static long micros() {
        return java.time.temporal.ChronoUnit.MICROS.between(java.time.Instant.EPOCH, java.time.Instant.now());
    }

    /** Sleeps {@code millis} (trial {@code slowTrial} sleeps a minute unless interrupted). */
    record Sleepy(long millis, int slowTrial, double[] base) implements Function<TrialRequest, String> {
        @Override
        public String call(TrialRequest r) throws Exception {
            long t0 = micros();
            int now = ACTIVE.incrementAndGet();
            MAX_ACTIVE.accumulateAndGet(now, Math::max);
            RESUMED_FROM.put(r.trial() + "/" + r.rung(), r.resumeFrom());
            try {
                if (r.trial() == slowTrial) {
                    started.countDown();
                    Thread.sleep(60_000);
                } else {
                    Thread.sleep(millis);
                }
            } catch (InterruptedException e) {
                INTERRUPTED.put(r.trial(), true);
                throw e;
            } finally {
                ACTIVE.decrementAndGet();
            }
            return result(r, base, t0);
        }
    }

    /** Trial {@code flaky} throws on its first attempt only; trial {@code broken} always throws. */
    record Failing(int flaky, int broken) implements Function<TrialRequest, String> {
        @Override
        public String call(TrialRequest r) {
            long t0 = micros();
            if (r.trial() == broken) {
                throw new IllegalStateException("boom in trial " + r.trial());
            }
            if (r.trial() == flaky && TaskContext.get().attemptNumber() == 0) {
                throw new IllegalStateException("transient failure");
            }
            return result(r, new double[0], t0);
        }
    }
}
