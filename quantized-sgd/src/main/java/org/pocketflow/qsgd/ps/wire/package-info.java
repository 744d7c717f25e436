/**
 * The parameter server's messages: {@link org.pocketflow.qsgd.ps.wire.PsMessage} (type, sender,
 * step, payload) and {@link org.pocketflow.qsgd.ps.wire.PsMessageCodec}, the versioned wire format
 * with a CRC32C and, when a secret is configured, an HMAC-SHA256. A gradient's payload is the
 * {@code EncodedGradient} bytes, which carry their own header and CRC32C (quantized-sgd's wire
 * format version 1); parameters travel as fp32 little-endian.
 */
package org.pocketflow.qsgd.ps.wire;
