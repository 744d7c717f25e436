/**
 * ONNX export of (compressed) networks: {@link org.pocketflow.worker.export.onnx.OnnxExporter}
 * writes a DL4J graph as an opset-13 model that takes raw pixels (the job's normalisation as
 * nodes), with batch norms folded and uniformly quantized weights kept as int8 behind
 * {@code DequantizeLinear}; {@link org.pocketflow.worker.export.onnx.OnnxRuntimeSession} runs it
 * in ONNX Runtime and {@link org.pocketflow.worker.export.onnx.OnnxParity} compares it with DL4J.
 * The protobuf classes are ONNX's own, shipped inside nd4j-api.
 */
package org.pocketflow.worker.export.onnx;
