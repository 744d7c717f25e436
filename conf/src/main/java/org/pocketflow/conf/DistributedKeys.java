package org.pocketflow.conf;

import java.util.List;

/**
 * Keys of data-parallel training of one network over several executors through the parameter
 * server ({@code org.pocketflow.driver.distributed}).
 */
public final class DistributedKeys {

    /** Number of workers. */
    public static final ConfigKey<Integer> WORKERS = ConfigKey.integer("pocketflow.distributed.workers", 2,
            "Number of workers (Spark tasks running at once, one data partition each); the cluster needs this many free task"
                    + " slots.",
            Validators.range(1, 1024));

    /** Gradient codec. */
    public static final ConfigKey<String> CODEC = ConfigKey.oneOf("pocketflow.distributed.codec", "auto",
            "How gradients and parameter updates travel: ecq (error-compensated 2-bit quantization, ICML 2018, 15.5x"
                    + " fewer bytes than fp32), ecq-rl (the same values with run-length level coding, about 25x fewer bytes,"
                    + " slower to encode), identity (fp32) or auto: the first steps in ecq-rl while the server times each"
                    + " worker's compute and link, then whichever of fp32, ecq and ecq-rl predicts the shortest step, both"
                    + " ways (the decision and its numbers are logged).",
            "auto", "ecq", "ecq-rl", "identity");

    /** Parameters sent back compressed or not. */
    public static final ConfigKey<String> DOWNLINK = ConfigKey.oneOf("pocketflow.distributed.downlink", "compressed",
            "With codec ecq or ecq-rl: compressed sends each worker the update since its own copy in the same codec, with"
                    + " server-side error feedback (a full copy when it joins or rejoins, at the end, and when its copy would"
                    + " drift more than 5 updates from the server's); fp32 sends full parameters (compressed gradients up"
                    + " only). Ignored by identity and auto.",
            "compressed", "fp32");

    /** Emulated link rate. */
    public static final ConfigKey<Integer> LINK_MBIT = ConfigKey.integer("pocketflow.distributed.link-mbit", 0,
            "Emulates a link of this many Mbit/s for every send of the server and of each worker (0 = unlimited), to"
                    + " measure on one machine what a slower network does, for instance where codec auto switches.",
            Validators.range(0, 1_000_000));

    /** Sync or async. */
    public static final ConfigKey<String> MODE = ConfigKey.oneOf("pocketflow.distributed.mode", "sync",
            "sync: every step averages one gradient from each live worker (BSP); async: every gradient is a step, up to"
                    + " pocketflow.distributed.staleness versions old (asynchrony adds momentum of its own, about 1 - 1/workers:"
                    + " lower pocketflow.train.momentum, 0.9 diverged with 2 workers, 0.5 trained).",
            "sync", "async");

    /** Staleness bound. */
    public static final ConfigKey<Integer> STALENESS = ConfigKey.integer("pocketflow.distributed.staleness", 2,
            "Async mode: the oldest gradient applied, in parameter versions behind the current one; older ones are dropped.",
            Validators.range(0, 1000));

    /** Worker timeout. */
    public static final ConfigKey<Integer> TIMEOUT_MS = ConfigKey.integer("pocketflow.distributed.timeout-ms", 30_000,
            "Sync mode drops a worker that sends no gradient for a step within this many milliseconds and continues with"
                    + " the others.",
            Validators.range(100, 3_600_000));

    /** Join timeout. */
    public static final ConfigKey<Integer> JOIN_TIMEOUT_MS = ConfigKey.integer("pocketflow.distributed.join-timeout-ms",
            300_000,
            "How long the parameter server waits for every worker to start (executor launch, data loading) before it"
                    + " trains with those that came.",
            Validators.range(1_000, 3_600_000));

    /** Checkpoint period. */
    public static final ConfigKey<Integer> CHECKPOINT_EVERY = ConfigKey.integer("pocketflow.distributed.checkpoint-every",
            0,
            "The parameter server writes parameters and optimizer state to the run directory every N steps; 0 = never."
                    + " Written on the run directory's own file system (local, HDFS or any Hadoop file system).",
            Validators.range(0, 1_000_000));

    /** Checkpoint period of the servers of trials' rungs and of a compression job's fine-tuning. */
    public static final ConfigKey<Integer> RUNG_CHECKPOINT_EVERY = ConfigKey.integer(
            "pocketflow.distributed.rung-checkpoint-every", 50,
            "A study trial's rung (pocketflow.search.workers-per-trial above 1) or a compression job's fine-tuning"
                    + " (pocketflow.learn.fine-tune-workers above 1) on several workers: its parameter server writes"
                    + " parameters, optimizer state and the learner's own state (sparsity masks, quantization shadow"
                    + " weights, codebooks) every N steps into rung-R.ps/ beside the rung's checkpoint, and"
                    + " `pocketflow resume` continues the rung from there instead of from its start; 0 = never. Written"
                    + " on the run directory's own file system (local, HDFS or any Hadoop file system).",
            Validators.range(0, 1_000_000));

    /** Resume. */
    public static final ConfigKey<Boolean> RESUME = ConfigKey.bool("pocketflow.distributed.resume", true,
            "Resume from the checkpoint in the run directory when there is one (set pocketflow.run.dir to rerun a job in"
                    + " the same directory). The same for a rung on several workers run again (rung-R.ps/, see"
                    + " rung-checkpoint-every): false removes its old checkpoints and starts the rung from its beginning.");

    /** Port base. */
    public static final ConfigKey<Integer> PORT_BASE = ConfigKey.integer("pocketflow.distributed.port-base", 40_640,
            "UDP port of the parameter server; worker w receives on port-base + 1 + w, so executors on one host never"
                    + " collide.",
            Validators.range(1024, 64_000));

    /** Server interface. */
    public static final ConfigKey<String> BIND_ADDRESS = ConfigKey.string("pocketflow.distributed.bind-address",
            "auto",
            "Interface (IP address or host name) the parameter server listens on, in the driver. auto: 127.0.0.1 for"
                    + " local and local-cluster masters, the driver's cluster address (spark.driver.host) otherwise;"
                    + " workers then listen on their executor's address. A loopback address with another master is refused.",
            Validators.matches("[0-9A-Za-z.:-]+"));

    /** Opt-out of authentication off loopback. */
    public static final ConfigKey<Boolean> ALLOW_UNAUTHENTICATED = ConfigKey.bool(
            "pocketflow.distributed.allow-unauthenticated", false,
            "Let the parameter server listen on an address other hosts reach without spark.authenticate (no HMAC on its"
                    + " frames): anyone who reaches its UDP port could then join as a worker, push gradients and redirect a"
                    + " worker's parameters to any address. Without this key such a job is refused; set it only on a trusted"
                    + " network, and prefer spark.authenticate=true.");

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Distributed training", List.of(WORKERS, CODEC, DOWNLINK, LINK_MBIT,
            MODE, STALENESS, TIMEOUT_MS, JOIN_TIMEOUT_MS, CHECKPOINT_EVERY, RUNG_CHECKPOINT_EVERY, RESUME, PORT_BASE, BIND_ADDRESS,
            ALLOW_UNAUTHENTICATED));

    private DistributedKeys() {
    }
}
