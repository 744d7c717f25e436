package org.pocketflow.worker.eval;

/**
 * Measured inference latency (DL4J on this JVM's CPU backend), median after warm-up.
 *
 * @param batch1Millis  milliseconds for one image
 * @param batch64Millis milliseconds for a batch of 64 images
 */
public record Latency(double batch1Millis, double batch64Millis) {
}
