package org.pocketflow.driver.distributed;

import java.util.List;

import org.pocketflow.qsgd.ps.ServerStats;
import org.pocketflow.worker.distributed.WorkerReport;

/**
 * What a distributed run produced; immutable.
 *
 * @param modelFile where the trained network was written ({@code runDir/model.zip})
 * @param testAccuracy top-1 accuracy of the final parameters on the test split
 * @param testLoss mean cross-entropy on the test split
 * @param parameters the network's parameter count
 * @param resumedFromStep the checkpoint step the server started from (0 for a fresh run)
 * @param totalSteps the planned optimizer steps
 * @param trainSeconds wall time from the server's start to its final step
 * @param samplesPerSecond images of all gradients the server applied per second of {@code trainSeconds}
 * @param gradientBytesPerStep encoded gradient bytes the server accepted per step (all workers)
 * @param paramBytesPerStep parameter bytes the server sent per step (to every live worker: fp32 copies and encoded updates)
 * @param authenticated whether messages carried an HMAC
 * @param stats the server's counters (rejections by reason, dropped workers, checkpoints)
 * @param workers the reports of the tasks that ended in time (a killed task has none)
 */
public record DistributedResult(String modelFile, double testAccuracy, double testLoss, long parameters, long resumedFromStep,
                                long totalSteps, double trainSeconds, double samplesPerSecond, double gradientBytesPerStep,
                                double paramBytesPerStep, boolean authenticated, ServerStats stats, List<WorkerReport> workers) {
    public DistributedResult {
        workers = List.copyOf(workers);
    }
}
