package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.wire.RejectReason;

import java.util.Map;
import java.util.Set;

/**
 * A snapshot of the server's counters.
 *
 * @param step the current parameter version
 * @param accepted gradients applied (or, in sync mode, taken into a step)
 * @param rejected messages rejected, by reason (every reason present, zero when none)
 * @param dropped workers dropped for stalling or being unreachable
 * @param checkpoints checkpoints written
 * @param bytesIn bytes of accepted gradient messages (EncodedGradient bytes)
 */
public record ServerStats(long step, long accepted, Map<RejectReason, Long> rejected, Set<Integer> dropped, long checkpoints, long bytesIn) {

    public ServerStats {
        rejected = Map.copyOf(rejected);
        dropped = Set.copyOf(dropped);
    }

    public long rejected(RejectReason reason) {
        return rejected.getOrDefault(reason, 0L);
    }

    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }
}
