package org.pocketflow.qsgd.ps.transport;

/**
 * A UDP endpoint {@code host:port} that an {@link AeronEndpoint} binds to or sends to.
 *
 * @param host an IP address or host name; {@code 127.0.0.1} binds to loopback only
 * @param port a UDP port in [1, 65535]
 */
public record Address(String host, int port) {

    /** The loopback interface, the default bind address in local mode. */
    public static final String LOOPBACK = "127.0.0.1";

    public Address {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("address host must be a non-empty IP or host name, but got '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address port must be in [1, 65535], but got " + port + " (for " + host + ")");
        }
    }

    /** Parses {@code host:port}, as {@link #toString()} writes it. */
    public static Address parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("address must be host:port, but got '" + text + "'");
        }
        try {
            return new Address(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address port must be a number, but got '" + text + "'", e);
        }
    }

    /**
     * Whether the host names the loopback interface ({@code 127.x.x.x}, {@code ::1}, {@code
     * localhost}), judged from the text alone, without a name lookup.
     */
    public boolean isLoopback() {
        return host.startsWith("127.") || host.equalsIgnoreCase("localhost") || host.equals("::1") || host.equals("[::1]");
    }

    /** A loopback address on {@code port}. */
    public static Address loopback(int port) {
        return new Address(LOOPBACK, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
