package org.pocketflow.worker.distributed;

import org.nd4j.linalg.schedule.ISchedule;
import org.pocketflow.qsgd.ps.optim.LearningRateSchedule;

/**
 * The server's learning rate read from the DL4J schedule that local training uses ({@code
 * Trainer.schedule}), so both follow one definition.
 *
 * @param schedule DL4J's schedule, by iteration (the epoch is not used by the project's schedules)
 * @param description names the schedule and its parameters (part of the checkpoint's optimizer name)
 */
public record Dl4jLearningRate(ISchedule schedule, String description) implements LearningRateSchedule {

    @Override
    public double at(long step) {
        return schedule.valueAt((int) Math.min(step, Integer.MAX_VALUE), 0);
    }

    @Override
    public String name() {
        return description;
    }
}
