package org.pocketflow.tests;

import java.util.List;

import org.pocketflow.worker.data.Scaling;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.task.BaselineRequest;
import org.pocketflow.worker.task.BaselineResult;
import org.pocketflow.worker.task.BaselineRun;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * An executor's whole base-model task on TFRecord shards, outside Spark: LeNet at 32x32 trained
 * for one epoch, evaluated, saved. Prints {@code trained E epochs on N images in S s, test accuracy
 * A, heap limit H}. Run by {@link LargerThanHeapTrainingTest} in a JVM whose heap is a tenth of the shards.
 *
 * <p>Arguments: the shards' folder, the run directory, the number of classes.
 */
public final class StreamTrainMain {
    private StreamTrainMain() {
    }

    public static void main(String[] args) {
        StreamOptions o = new StreamOptions("tfrecord", 32, 3, Integer.parseInt(args[2]), 0, false, 2, 64);
        TrainingSpec training = new TrainingSpec(1, 32, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 10);
        BaselineRequest req = new BaselineRequest(args[0], 0, 0, 0.0, "lenet", "", training, 3, args[1], false, 1, 1,
                null, new Scaling("fit", List.of(), List.of(), false), o);
        BaselineResult r = BaselineRun.execute(req, System.out::println);
        System.out.printf("trained %d epochs on %d images in %.1f s, test accuracy %.4f, heap limit %d%n",
                r.epochs().size(), r.dataset().train(), r.trainSeconds(), r.testAccuracy(),
                Runtime.getRuntime().maxMemory());
    }
}
