package org.pocketflow.worker.task;

import java.util.List;
import java.util.Map;

import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.train.EpochStats;

/**
 * What an executor reports about the compressed model; part of {@code report.json}.
 *
 * @param learner            the learner's name
 * @param settings           per knob, the value applied
 * @param testAccuracy       top-1 test accuracy after fine-tuning
 * @param validationAccuracy top-1 accuracy on the validation split (NaN if none)
 * @param accuracyDrop       base minus compressed test accuracy
 * @param macs               multiply-adds per image
 * @param parameters         parameters
 * @param packedBytes        bytes of {@code model.pfpk}
 * @param tensorBytes        bytes of its parameter tensors
 * @param baseBytes          fp32 bytes of the base model's parameters
 * @param latency            measured inference latency of the compressed model
 * @param encodings          per parameter tensor, how it is stored
 * @param fineTuneSeconds    wall time of compression and fine-tuning
 * @param packedFile         URI of the packed model
 * @param modelFile          URI of the compressed model as a DL4J zip (fp32 values)
 * @param inferenceFile      URI of its inference form: batch norms folded into the convolutions
 *                           ({@code BatchNormFolding}), same outputs, not for further training
 * @param inferenceLatency   measured latency of the inference form
 * @param onnx               {@code model.onnx}: written or why not, parity with DL4J, ONNX Runtime latency
 * @param fineTuneEpochs     per-epoch fine-tuning figures, validation accuracy included (empty without fine-tuning)
 * @param notes              lines from the learner, e.g. which channel groups the network's structure left whole
 */
public record CompressionResult(String learner, Map<String, Double> settings, double testAccuracy,
                                double validationAccuracy, double accuracyDrop, long macs, long parameters,
                                long packedBytes, long tensorBytes, long baseBytes, Latency latency,
                                Map<String, String> encodings, double fineTuneSeconds, String packedFile,
                                String modelFile, String inferenceFile, Latency inferenceLatency,
                                 OnnxResult onnx, List<EpochStats> fineTuneEpochs, List<String> notes) {
}
