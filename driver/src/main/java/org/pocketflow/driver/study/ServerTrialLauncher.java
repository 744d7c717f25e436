package org.pocketflow.driver.study;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.distributed.TrialServer;
import org.pocketflow.worker.task.TrialRequest;

/**
 * Runs each rung of a trial on W workers through the trial's own parameter server ({@link
 * TrialServer}), on a driver thread of its own; cancelling the future interrupts that thread,
 * which closes the server.
 *
 * <p><b>Ports.</b> Trial servers running at once never share a port: each takes a slot of {@code
 * W + 1} ports (server, then its workers) from {@code portBase}, the next free slot after the
 * last one taken among {@code 2P} slots, so a slot just released (its Aeron images may linger a
 * moment) is not taken again at once while others are free.
 *
 * <p><b>Rung checkpoints.</b> A rung's server checkpoints ({@code rung-R.ps/}) stay when its
 * thread is interrupted, so that a resumed study continues the rung; when the scheduler says the
 * trial has ended for good ({@link #ended}: cancelled, timed out, failed), they are removed once
 * the rung's thread has returned (its server closed, so no checkpoint is written afterwards).
 * {@link #awaitEnded} waits for those removals.
 */
public final class ServerTrialLauncher implements TrialLauncher {
    private final TrialServer server;
    private final int workers;
    private final int portBase;
    private final boolean[] busy;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pocketflow-trial-server");
        t.setDaemon(true);
        return t;
    });
    /** Per trial folder, its last rung launched, completed when that rung's thread returns (a trial runs one rung at a time). */
    private final Map<String, CompletableFuture<Void>> returned = new ConcurrentHashMap<>();
    /** The removals {@link #ended} scheduled. */
    private final List<CompletableFuture<Void>> removals = new CopyOnWriteArrayList<>();
    private int next;

    /**
     * @param parallelism trials at once (P)
     * @param portBase    the first port of the first slot
     */
    public ServerTrialLauncher(TrialServer server, int workers, int parallelism, int portBase) {
        if (portBase + 2L * parallelism * (workers + 1) > 65_536) {
            throw new IllegalArgumentException("pocketflow.distributed.port-base = " + portBase + " leaves no room for "
                    + 2 * parallelism + " trial servers of " + workers + " workers below 65536; lower it");
        }
        this.server = server;
        this.workers = workers;
        this.portBase = portBase;
        this.busy = new boolean[2 * parallelism];
    }

    @Override
    public Future<String> launch(JavaSparkContext sc, TrialRequest req, String group) {
        int slot = take();
        CompletableFuture<Void> done = new CompletableFuture<>();
        returned.put(req.trialDir(), done);
        return threads.submit(() -> {
            try {
                return Json.MAPPER.writeValueAsString(server.run(sc, req, workers, portBase + slot * (workers + 1), group)
                        .result());
            } finally {
                release(slot);
                done.complete(null);
            }
        });
    }

    /** Removes the rung checkpoints of {@code req}'s rung once its thread has returned (at once if it has). */
    @Override
    public void ended(TrialRequest req) {
        CompletableFuture<Void> done = returned.remove(req.trialDir());
        CompletableFuture<Void> rungReturned = done == null ? CompletableFuture.completedFuture(null) : done;
        removals.add(rungReturned.thenRun(() -> server.discardCheckpoints(req)));
    }

    /**
     * Waits up to {@code seconds} for the removals {@link #ended} scheduled (a cancelled rung's
     * thread returns once its server has closed).
     *
     * @return whether they all happened in time
     */
    public boolean awaitEnded(long seconds) throws InterruptedException {
        try {
            CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Stops the threads of trials still running (their servers close as they end). */
    public void shutdown() {
        threads.shutdownNow();
    }

    private synchronized int take() {
        for (int i = 0; i < busy.length; i++) {
            int s = (next + i) % busy.length;
            if (!busy[s]) {
                busy[s] = true;
                next = s + 1;
                return s;
            }
        }
        throw new IllegalStateException("more than " + busy.length / 2 + " trials at once; the scheduler runs at most "
                + "pocketflow.search.parallelism");
    }

    private synchronized void release(int slot) {
        busy[slot] = false;
    }
}
