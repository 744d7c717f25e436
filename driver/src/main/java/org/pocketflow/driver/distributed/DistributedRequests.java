package org.pocketflow.driver.distributed;

import java.util.List;
import java.util.Locale;

import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.DistributedKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.conf.RuntimeKeys;
import org.pocketflow.driver.BaselineRequests;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.codec.LevelCoding;
import org.pocketflow.qsgd.ps.DownlinkPolicy;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.distributed.DistributedRequest;
import org.pocketflow.worker.distributed.WorkerHook;

/** Maps the validated job configuration onto the workers' {@link DistributedRequest}. */
final class DistributedRequests {
    /** {@code pocketflow.distributed.bind-address} value that lets the driver choose. */
    static final String AUTO = "auto";
    private DistributedRequests() {
    }

    /**
     * @param hook called by every worker after each push (fault injection in tests)
     * @return the request, without an HMAC key (each JVM derives its own, {@link JobSecret})
     */
    static DistributedRequest from(JobConfig c, WorkerHook hook) {
        if (!c.get(ModelKeys.PATH).isEmpty()) {
            throw new IllegalArgumentException(ModelKeys.PATH.name() + " = " + c.get(ModelKeys.PATH) + ": distributed training"
                    + " trains a zoo architecture from scratch. Fix: leave " + ModelKeys.PATH.name() + " empty and set "
                    + ModelKeys.ARCH.name());
        }
        if (!c.get(DataKeys.FORMAT).equals("idx") || !c.get(DataKeys.NORMALIZATION).equals("fit")) {
            throw new IllegalArgumentException(DataKeys.FORMAT.name() + " = " + c.get(DataKeys.FORMAT) + ", "
                    + DataKeys.NORMALIZATION.name() + " = " + c.get(DataKeys.NORMALIZATION) + ": distributed training "
                    + "reads IDX data and fits the scaling on the training split. Fix: use format idx and "
                    + "normalization fit, or train with pocketflow run");
        }
        boolean auto = c.get(DistributedKeys.CODEC).equals(AUTO);
        return new DistributedRequest(c.get(DataKeys.URI), c.get(DataKeys.TRAIN_LIMIT), c.get(DataKeys.VALIDATION_FRACTION),
                c.get(ModelKeys.ARCH), BaselineRequests.training(c), c.get(RunKeys.SEED), c.get(DistributedKeys.WORKERS),
                mode(c), auto ? new IdentityCodec() : codec(c.get(DistributedKeys.CODEC)), c.get(DistributedKeys.BIND_ADDRESS),
                c.get(DistributedKeys.PORT_BASE), null, workerWaitMillis(c), c.get(RuntimeKeys.ONEDNN), hook,
                0, c.get(DistributedKeys.LINK_MBIT), auto); // the nonce is drawn per run (withNonce)
    }

    /**
     * How the server sends parameters back: auto weighs fp32 against ecq and ecq-rl; ecq and
     * ecq-rl send updates in their own codec unless {@code pocketflow.distributed.downlink} is fp32.
     */
    static DownlinkPolicy downlink(JobConfig c) {
        String name = c.get(DistributedKeys.CODEC);
        if (name.equals(AUTO)) {
            return DownlinkPolicy.auto(List.of(codec("ecq"), codec("ecq-rl")), DownlinkPolicy.DEFAULT_DRIFT_FACTOR);
        }
        if (name.equals("identity") || c.get(DistributedKeys.DOWNLINK).equals("fp32")) {
            return DownlinkPolicy.fp32();
        }
        return DownlinkPolicy.compressed(codec(name), DownlinkPolicy.DEFAULT_DRIFT_FACTOR);
    }

    /**
     * The address the parameter server binds and workers send to: with {@code auto}, loopback
     * for local masters and the driver's cluster address ({@code spark.driver.host}) otherwise.
     *
     * @throws IllegalArgumentException for a loopback address with a master whose executors may
     *     run on other hosts
     */
    static String serverHost(String master, String configured, String driverHost) {
        boolean local = master.startsWith("local");
        if (configured.equals(AUTO)) {
            return local ? Address.LOOPBACK : driverHost;
        }
        boolean loopback = configured.startsWith("127.") || configured.equals("localhost") || configured.equals("::1");
        if (loopback && !local) {
            throw new IllegalArgumentException(DistributedKeys.BIND_ADDRESS.name() + " = " + configured + " is a loopback"
                    + " address, but master " + master + " runs executors on other hosts, which cannot reach it. Fix: set it"
                    + " to auto (the driver's address, spark.driver.host = " + driverHost + ") or to an address of this"
                    + " host that the executors reach");
        }
        return configured;
    }

    /**
     * Authentication is on by default off loopback: a server that other hosts reach needs the
     * HMAC key of {@code spark.authenticate}, unless the job opts out explicitly.
     *
     * @throws IllegalArgumentException naming both fixes, when neither holds
     */
    static void checkAuthentication(Address server, boolean hasKey, boolean allowUnauthenticated) {
        if (!server.isLoopback() && !hasKey && !allowUnauthenticated) {
            throw new IllegalArgumentException(DistributedKeys.ALLOW_UNAUTHENTICATED.name() + " = false, but the parameter"
                    + " server would listen on " + server + ", which other hosts reach, and spark.authenticate is off: anyone"
                    + " who reaches that UDP port could join as a worker, push gradients and redirect a worker's parameters."
                    + " Fix: set spark.authenticate=true (and spark.authenticate.secret on standalone masters), or, on a"
                    + " trusted network only, " + DistributedKeys.ALLOW_UNAUTHENTICATED.name() + "=true");
        }
    }

    static ExchangeMode mode(JobConfig c) {
        return ExchangeMode.valueOf(c.get(DistributedKeys.MODE).toUpperCase(Locale.ROOT));
    }

    /** The codec named by {@code pocketflow.distributed.codec}. */
    static GradientCodec codec(String name) {
        return switch (name) {
            case "ecq" -> new EcqCodec();
            case "ecq-rl" -> new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH));
            case "identity" -> new IdentityCodec();
            default -> throw new IllegalArgumentException(DistributedKeys.CODEC.name() + " = " + name + " is not a codec; use one of "
                    + DistributedKeys.CODEC.validator().description());
        };
    }

    /**
     * How long a worker waits for parameters: the slowest worker's step plus the server's drop
     * timeout, and the join window at the start.
     */
    static long workerWaitMillis(JobConfig c) {
        return Math.max(3L * c.get(DistributedKeys.TIMEOUT_MS), c.get(DistributedKeys.JOIN_TIMEOUT_MS));
    }
}
