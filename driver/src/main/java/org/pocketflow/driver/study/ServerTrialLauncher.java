package org.pocketflow.driver.study;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
        return threads.submit(() -> {
            try {
                return Json.MAPPER.writeValueAsString(server.run(sc, req, workers, portBase + slot * (workers + 1), group)
                        .result());
            } finally {
                release(slot);
            }
        });
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
