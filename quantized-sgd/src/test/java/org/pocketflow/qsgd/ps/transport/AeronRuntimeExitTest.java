package org.pocketflow.qsgd.ps.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * A JVM that exits while its threads still poll and send on Aeron endpoints exits with its own
 * status and leaves no Aeron directory behind, as a job stopped by SIGTERM or {@code System.exit}
 * does while its parameter server runs. Each case is a child JVM ({@link PollingAtExit}).
 */
class AeronRuntimeExitTest {
    /** Children per test: the crash it guards against is a race, more likely over several exits. */
    private static final int RUNS = 8;

    @Test
    void exitWhilePollingKeepsTheExitStatusAndDeletesTheDirectory() throws Exception {
        for (int run = 0; run < RUNS; run++) {
            List<String> out = new ArrayList<>();
            int code = runChild(out);
            String dir = out.stream().filter(l -> l.startsWith("dir ")).map(l -> l.substring(4)).findFirst().orElse("");
            assertEquals(PollingAtExit.STATUS, code, "run " + run + ": the child JVM's output:\n" + String.join("\n", out));
            assertTrue(out.contains("polled"), String.join("\n", out));
            assertFalse(dir.isEmpty(), String.join("\n", out));
            assertFalse(new File(dir).exists(), "run " + run + ": the Aeron directory " + dir + " is still there");
        }
    }

    private static int runChild(List<String> out) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-") || a.startsWith("-Daeron")).toList());
        command.add("-Xmx256m");
        command.add("-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/pf-aeron-exit-hs_err_%p.log");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PollingAtExit.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean ended = p.waitFor(2, TimeUnit.MINUTES);
        out.addAll(List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")));
        if (!ended) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** The child: two endpoints, a thread sending and a thread polling without pause, then {@code System.exit}. */
    static final class PollingAtExit {
        static final int STATUS = 43;
        static final int PAIRS = 3;

        public static void main(String[] args) throws Exception {
            AeronRuntime runtime = new AeronRuntime();
            runtime.deleteDirectoryAtExit();
            System.out.println("dir " + runtime.directory());
            AtomicLong polled = new AtomicLong();
            for (int pair = 0; pair < PAIRS; pair++) {
                AeronEndpoint a = runtime.bind(Address.loopback(freePort()));
                AeronEndpoint b = runtime.bind(Address.loopback(freePort()));
                byte[] message = new byte[256];
                daemon(() -> {
                    while (true) {
                        a.send(b.address(), message);
                    }
                });
                daemon(() -> {
                    while (true) {
                        polled.addAndGet(b.poll(m -> { }, 64));
                    }
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (polled.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            System.out.println(polled.get() > 0 ? "polled" : "nothing polled");
            System.out.flush();
            System.exit(STATUS);
        }

        private static void daemon(Runnable loop) {
            Thread t = new Thread(loop);
            t.setDaemon(true);
            t.start();
        }

        private static int freePort() throws IOException {
            try (DatagramSocket s = new DatagramSocket(0)) {
                return s.getLocalPort();
            }
        }
    }
}
