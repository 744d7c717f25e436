package org.pocketflow.worker.distributed;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;

/**
 * Finds UDP ports for a run on one machine (tests, benchmarks): a base with the server's port and
 * the workers' ports after it all free on loopback at the time of the call.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A port base {@code b} such that {@code b … b + workers} are free on loopback now. */
    public static int freeBase(int workers) {
        for (int tries = 0; tries < 50; tries++) {
            int base;
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                base = s.getLocalPort();
            } catch (SocketException e) {
                throw new IllegalStateException("cannot open a UDP socket on loopback: " + e.getMessage(), e);
            }
            if (base + workers < 64_000 && allFree(base, workers + 1)) {
                return base;
            }
        }
        throw new IllegalStateException("found no " + (workers + 1) + " consecutive free UDP ports on loopback in 50 tries");
    }

    private static boolean allFree(int base, int n) {
        for (int p = base; p < base + n; p++) {
            try (DatagramSocket s = new DatagramSocket(p, InetAddress.getLoopbackAddress())) {
                s.getLocalPort();
            } catch (SocketException e) {
                return false;
            }
        }
        return true;
    }
}
