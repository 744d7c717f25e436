package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.AssemblyLimits;

/**
 * The longest frame the exchange of a model of n parameters carries, so that a receiver never
 * takes a longer one: the parameters (4 bytes each) or a gradient in any of the project's codecs
 * (at most 8 bytes an element, an index and a value, for a sparse codec that keeps everything),
 * plus 64 KiB for the frame, codec and chunk headers and a HELLO.
 */
final class FrameLimits {
    private static final long SLACK = 64 << 10;

    private FrameLimits() {
    }

    /** The longest frame for a model of {@code params} parameters. */
    static int maxFrameBytes(long params) {
        return (int) Math.min(Integer.MAX_VALUE - 64, 8 * params + SLACK);
    }

    /** The assembly limits of an endpoint that receives from {@code peers} senders of such frames. */
    static AssemblyLimits forModel(long params, int peers) {
        return AssemblyLimits.forPeers(maxFrameBytes(params), peers);
    }
}
