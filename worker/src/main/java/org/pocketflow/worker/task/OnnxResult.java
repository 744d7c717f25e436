package org.pocketflow.worker.task;

import org.pocketflow.worker.eval.Latency;

/**
 * The {@code onnx} part of the {@code compressed} report section: whether {@code model.onnx} was
 * written and how closely ONNX Runtime reproduces DL4J on the test set.
 *
 * @param status                   {@code ok}; {@code parity-failed} (written, but the top-1 accuracies
 *                                 differ by more than 0.1 points); {@code not-exported} (a layer without an
 *                                 ONNX mapping, named in {@code message}); {@code failed} (exported but ONNX
 *                                 Runtime could not run it)
 * @param message                  one line for people: what happened
 * @param file                     URI of {@code model.onnx}, or "" when none was written
 * @param bytes                    its size
 * @param opset                    ONNX operator set
 * @param int8Tensors              parameter tensors stored as int8 behind DequantizeLinear
 * @param images                   test images compared
 * @param dl4jAccuracy             DL4J's top-1 test accuracy on them
 * @param onnxAccuracy             ONNX Runtime's top-1 test accuracy on them
 * @param top1DifferencePoints     ONNX minus DL4J, percentage points
 * @param top1Agreement            fraction of images with the same predicted class
 * @param maxProbabilityDifference largest absolute difference of a class probability
 * @param intraOpThreads           ONNX Runtime intra-operator threads used for the latency
 * @param onnxLatency              ONNX Runtime latency at batch 1 and 64
 * @param dl4jLatency              DL4J latency of the same network (batch norms folded), for comparison
 */
public record OnnxResult(String status, String message, String file, long bytes, int opset, long int8Tensors,
                         int images, double dl4jAccuracy, double onnxAccuracy, double top1DifferencePoints,
                         double top1Agreement, double maxProbabilityDifference, int intraOpThreads,
                         Latency onnxLatency, Latency dl4jLatency) {
    /** A model that was not written or could not be run: only the status and the message. */
    static OnnxResult none(String status, String message, String file, long bytes) {
        return new OnnxResult(status, message, file, bytes, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 0, null, null);
    }
}
