package org.pocketflow.bench;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.v2.messages.VoidMessage;
import org.nd4j.parameterserver.distributed.v2.messages.impl.GradientsUpdateMessage;
import org.pocketflow.bench.ps.AeronExchangeRun;
import org.pocketflow.bench.ps.ModelParameterServerRun;
import org.pocketflow.bench.ps.Throughput;
import org.pocketflow.qsgd.ps.transport.TransportSettings;

import java.io.IOException;
import java.net.DatagramSocket;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Per-receiver throughput on loopback of nd4j's v2 {@code ModelParameterServer} over {@code
 * AeronUdpTransport} (unmodified, three nodes, {@code sendUpdate} of a BYTE array) against the
 * parameter server's raw-frame Aeron exchange, for 1 MB and 8 MB messages, in one run. Also times
 * what the JFR profile blamed: Java serialization of the library's message and its reverse.
 *
 * <p>Run: {@code bench/bin/run TransportThroughputBench [baselineMessages1MB] [baselineMessages8MB]
 * [ourMessages1MB] [ourMessages8MB]} (defaults 12 3 200 30). Prints figures; asserts nothing.
 */
public final class TransportThroughputBench {
    private static final int MB = 1_000_000;
    private static final long SEED = 20240601L;
    private static final TransportSettings AERON_DEFAULTS = new TransportSettings(1408, 16 << 20, 128 << 10, 128 << 10, 30_000, 512 << 20);

    private TransportThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int base1 = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int base8 = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int ours1 = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int ours8 = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        System.out.printf(Locale.ROOT, "Java %s, %d cores, load average %.2f%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        serializationCost(8 * MB);
        report("ModelParameterServer/AeronUdpTransport, 1 MB", ModelParameterServerRun.run(freePorts(3), MB, base1, SEED, 120));
        report("ModelParameterServer/AeronUdpTransport, 8 MB", ModelParameterServerRun.run(freePorts(3), 8 * MB, base8, SEED, 120));
        report("raw Aeron frames, Aeron default mtu 1408/window 128 KiB, 1 MB",
                AeronExchangeRun.run(AERON_DEFAULTS, freePorts(3), MB, ours1, SEED, 120));
        report("raw Aeron frames, Aeron default mtu 1408/window 128 KiB, 8 MB",
                AeronExchangeRun.run(AERON_DEFAULTS, freePorts(3), 8 * MB, ours8, SEED, 120));
        report("raw Aeron frames, TransportSettings.DEFAULTS, 1 MB",
                AeronExchangeRun.run(TransportSettings.DEFAULTS, freePorts(3), MB, ours1, SEED, 120));
        report("raw Aeron frames, TransportSettings.DEFAULTS, 8 MB",
                AeronExchangeRun.run(TransportSettings.DEFAULTS, freePorts(3), 8 * MB, ours8, SEED, 120));
        System.exit(0); // the library's transport leaves non-daemon threads behind
    }

    /** Where the baseline's time goes: the library (de)serializes each message with ObjectOutputStream. */
    private static void serializationCost(int bytes) {
        byte[] payload = new byte[bytes];
        new Random(SEED).nextBytes(payload);
        INDArray array = Nd4j.createFromArray(payload);
        for (int round = 0; round < 2; round++) {
            long t0 = System.nanoTime();
            byte[] wire = new GradientsUpdateMessage("bench", array).asUnsafeBuffer().byteArray();
            long t1 = System.nanoTime();
            VoidMessage back = VoidMessage.fromBytes(wire);
            long t2 = System.nanoTime();
            System.out.printf(Locale.ROOT, "library message (de)serialization of %d MB (round %d): serialize %.0f ms, deserialize %.0f ms,"
                    + " %d bytes on the wire (%s)%n", bytes / MB, round + 1, (t1 - t0) / 1e6, (t2 - t1) / 1e6, wire.length,
                    back.getClass().getSimpleName());
        }
    }

    private static void report(String title, List<Throughput> results) {
        System.out.println(title);
        for (Throughput t : results) {
            System.out.println("  " + t);
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        DatagramSocket[] sockets = new DatagramSocket[n];
        for (int i = 0; i < n; i++) {
            sockets[i] = new DatagramSocket(0);
            ports[i] = sockets[i].getLocalPort();
        }
        for (DatagramSocket s : sockets) {
            s.close();
        }
        return ports;
    }
}
