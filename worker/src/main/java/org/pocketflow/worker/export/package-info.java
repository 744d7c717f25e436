/**
 * Deployment formats of compressed networks. {@link org.pocketflow.worker.export.PackedModel}
 * holds the architecture and each parameter tensor in a compact
 * {@link org.pocketflow.worker.export.TensorEncoding} (dense, sparse bitmap, uniform packed
 * integers, codebook indices); {@link org.pocketflow.worker.export.PackedModelFile} is its
 * versioned, checksummed file format. The DL4J zip ({@code ModelFiles}) stays the format of
 * full-precision models; ONNX export is planned.
 */
package org.pocketflow.worker.export;
