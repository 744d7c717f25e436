package org.pocketflow.bench.distributed;

/**
 * One trainer's figures.
 *
 * @param trainer what ran
 * @param seconds wall time of the training call
 * @param samplesPerSecond training images per second of that wall time (all workers together)
 * @param upBytesPerStep bytes workers sent per optimizer step (gradients or parameters), NaN if unknown
 * @param downBytesPerStep bytes the master sent per step, NaN if unknown
 * @param testAccuracy top-1 accuracy on the test images
 * @param note how the bytes were obtained
 */
public record BenchRow(String trainer, double seconds, double samplesPerSecond, double upBytesPerStep, double downBytesPerStep,
                       double testAccuracy, String note) {

    /** A markdown table row. */
    public String markdown() {
        return String.format("| %s | %.1f | %.0f | %s | %s | %.2f%% | %s |", trainer, seconds, samplesPerSecond,
                bytes(upBytesPerStep), bytes(downBytesPerStep), 100 * testAccuracy, note);
    }

    private static String bytes(double b) {
        return Double.isNaN(b) ? "–" : String.format("%,.0f", b);
    }
}
