package org.pocketflow.worker.task;

import java.io.Serializable;

import org.pocketflow.worker.data.Scaling;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Everything an executor needs to produce the full-precision base model of a job. Built on the
 * driver from the validated job configuration and shipped inside the Spark task.
 *
 * @param dataUri            Hadoop FS URI of the dataset folder, read on the executor
 * @param trainLimit         first N training images (0 = all)
 * @param testLimit          first N test images (0 = all)
 * @param validationFraction share of the training images held out for validation
 * @param architecture       zoo architecture name, used when {@code modelUri} is empty
 * @param modelUri           a user's DL4J model zip to evaluate instead of training one ("" = none)
 * @param training           optimizer, schedule and epochs
 * @param seed               the job seed; data split, weight init and data order derive from it
 * @param runDir             run directory URI; the model is written to {@code runDir/model.zip}
 * @param onednn             use oneDNN kernels
 * @param latencyWarmup      latency runs discarded before timing
 * @param latencyIterations  timed latency runs (median reported)
 * @param compression        compression of the base model afterwards; {@code null} = none
 * @param scaling            the pixel scaling asked for ({@code pocketflow.data.normalization})
 * @param stream             the data's format and, for streamed formats, how it is read
 */
public record BaselineRequest(String dataUri, int trainLimit, int testLimit, double validationFraction,
                              String architecture, String modelUri, TrainingSpec training, long seed,
                              String runDir, boolean onednn, int latencyWarmup, int latencyIterations,
                              CompressionRequest compression, Scaling scaling,
                              StreamOptions stream)
        implements Serializable {
}
