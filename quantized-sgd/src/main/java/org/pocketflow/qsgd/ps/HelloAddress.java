package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.wire.RejectReason;
import org.pocketflow.qsgd.ps.wire.RejectedMessageException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Checks the reply address in a worker's HELLO before the server sends anything there: the
 * address goes into an Aeron channel URI and receives whole parameter vectors, so it must be a
 * plain {@code host:port} (a host name, an IPv4 address or a bracketed IPv6 address; nothing an
 * Aeron URI would read as a parameter), resolve now, name one host (not a wildcard, multicast or
 * broadcast address), and, for a server bound to loopback, lie on this host.
 */
final class HelloAddress {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\\[[0-9A-Fa-f:.]{2,45}]");

    private HelloAddress() {
    }

    /**
     * @param payload the HELLO's payload (UTF-8 {@code host:port})
     * @param loopbackOnly whether the server listens on loopback, so that its workers are on this host
     * @return the address to send the worker's parameters to
     * @throws RejectedMessageException ({@link RejectReason#BAD_ADDRESS}) naming what is wrong
     */
    static Address check(int worker, byte[] payload, boolean loopbackOnly) throws RejectedMessageException {
        String text = new String(payload, StandardCharsets.UTF_8);
        Address a;
        try {
            a = Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(worker, e.getMessage());
        }
        if (!HOST.matcher(a.host()).matches()) {
            throw bad(worker, "host '" + a.host() + "' is not a host name or IP address");
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(a.host());
        } catch (UnknownHostException e) {
            throw bad(worker, "host '" + a.host() + "' does not resolve");
        }
        if (ip.isAnyLocalAddress() || ip.isMulticastAddress() || ip.getHostAddress().equals("255.255.255.255")) {
            throw bad(worker, "host '" + a.host() + "' is " + ip.getHostAddress() + ", not the address of one host");
        }
        if (loopbackOnly && !ip.isLoopbackAddress()) {
            throw bad(worker, "host '" + a.host() + "' is off this host, but the server listens on loopback only");
        }
        return a;
    }

    private static RejectedMessageException bad(int worker, String why) {
        return new RejectedMessageException(RejectReason.BAD_ADDRESS, "HELLO from worker " + worker + ": " + why);
    }
}
