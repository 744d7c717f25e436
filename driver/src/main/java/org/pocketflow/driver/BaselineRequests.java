package org.pocketflow.driver;

import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.EvalKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.conf.RuntimeKeys;
import org.pocketflow.conf.TrainKeys;
import org.pocketflow.worker.task.BaselineRequest;
import org.pocketflow.worker.train.TrainingSpec;

import java.util.Locale;

/** Maps the validated job configuration onto the executor's {@link BaselineRequest}. */
final class BaselineRequests {
    private BaselineRequests() {
    }

    static BaselineRequest from(JobConfig c, String runDir) {
        TrainingSpec training = new TrainingSpec(c.get(TrainKeys.EPOCHS), c.get(TrainKeys.BATCH_SIZE),
                c.get(TrainKeys.LEARNING_RATE), c.get(TrainKeys.MOMENTUM), c.get(TrainKeys.WEIGHT_DECAY),
                TrainingSpec.LrSchedule.valueOf(c.get(TrainKeys.LR_SCHEDULE).toUpperCase(Locale.ROOT)),
                c.get(RunKeys.SEED), c.get(TrainKeys.LOG_EVERY_STEPS));
        return new BaselineRequest(c.get(DataKeys.URI), c.get(DataKeys.TRAIN_LIMIT), c.get(DataKeys.TEST_LIMIT),
                c.get(DataKeys.VALIDATION_FRACTION), c.get(ModelKeys.ARCH), c.get(ModelKeys.PATH), training,
                c.get(RunKeys.SEED), runDir, c.get(RuntimeKeys.ONEDNN), c.get(EvalKeys.LATENCY_WARMUP),
                c.get(EvalKeys.LATENCY_ITERATIONS));
    }
}
