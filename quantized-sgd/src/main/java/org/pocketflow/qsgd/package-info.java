/**
 * Gradient compression for data-parallel training: the extension point {@link
 * org.pocketflow.qsgd.GradientCodec}, its per-worker {@link org.pocketflow.qsgd.GradientEncoder}
 * and the message that crosses the wire, {@link org.pocketflow.qsgd.EncodedGradient}.
 *
 * <p>Layout: {@code codec} holds the algorithms (ECQ-SGD and the baselines it is measured
 * against) and their parameter records; {@code kernel} the allocation-free hot loops they share
 * (stochastic rounding, bit packing, entropy coding, the counter-based generator); {@code wire}
 * the versioned, checksummed message format and its Kryo serializer; {@code nd4j} thin adapters
 * from {@code INDArray} to the {@code float[]} core.
 *
 * <p>Typical use, one worker:
 * <pre>{@code
 * GradientCodec codec = new EcqCodec(EcqParams.defaults());
 * GradientEncoder encoder = codec.newEncoder(workerSeed);   // owns this worker's residual
 * EncodedGradient message = encoder.encode(gradient);        // every step
 * codec.decodeAdd(message, accumulator);                     // on the parameter server
 * }</pre>
 */
package org.pocketflow.qsgd;
