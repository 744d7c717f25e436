package org.pocketflow.qsgd.ps;

/**
 * What went down to the workers so far.
 *
 * @param fullMessages full fp32 copies sent (joins, rejoins, resynchronisations, the final parameters, fp32 steps)
 * @param compressedMessages codec-encoded updates sent
 * @param bytesOut payload bytes of both kinds (fp32 parameters or {@code EncodedGradient} bytes)
 * @param driftResyncs full copies sent because an update would have left a worker's copy beyond the bound
 * @param maxDrift the largest {@code max_i |server_i - worker_i|} any worker was left with, over all
 *     compressed messages (0 when none)
 * @param decision {@link DownlinkPolicy.Mode#AUTO}: the choice with its numbers ({@link CodecChoice});
 *     empty before it and in the other modes
 */
public record DownlinkStats(long fullMessages, long compressedMessages, long bytesOut, long driftResyncs, float maxDrift,
                            String decision) {
}
