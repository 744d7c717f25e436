package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.Address;

import java.nio.file.Path;

/**
 * What the parameter server does; immutable. Build with {@link #sync} or {@link #async} and the
 * {@code with*} methods, which keep every other value.
 *
 * @param bind the address the server listens on (loopback by default)
 * @param workers the number of workers; their ids are 0 … workers − 1, any other id is rejected
 * @param mode synchronous or bounded-staleness asynchronous
 * @param stalenessLimit async: the oldest accepted gradient, in steps behind the current version
 * @param workerTimeoutMillis how long the server waits for a sync step's gradients (then drops the
 *     missing workers) and for a send to a worker
 * @param joinTimeoutMillis how long the server waits, from {@code start()}, for every worker's
 *     first HELLO before it starts with those that came (workers on a cluster may need far longer
 *     to start than to compute a step); workers repeat their HELLO until the server answers
 * @param totalSteps training ends when this many optimizer steps have been applied
 * @param secret the HMAC key (null: messages are not authenticated)
 * @param checkpointDir where checkpoints go (null: none, or a folder given to the server's constructor;
 *     the server refuses checkpoints or resume without either)
 * @param checkpointEvery write a checkpoint every this many steps (0: never)
 * @param resume start from the checkpoint in {@code checkpointDir} if there is one
 * @param nonce this job's (or trial's) number, in every frame's HMAC: frames of another job or
 *     trial under the same secret do not verify here (0 when the caller has none)
 * @param allowUnauthenticated the explicit opt-out: without it a server that binds anything but
 *     loopback must have a secret, since anyone who reaches its port could otherwise join as any
 *     worker, redirect that worker's parameters to any address and push gradients
 */
public record ServerConfig(Address bind, int workers, ExchangeMode mode, int stalenessLimit, long workerTimeoutMillis,
                           long joinTimeoutMillis, long totalSteps, byte[] secret, Path checkpointDir, int checkpointEvery,
                           boolean resume, long nonce, boolean allowUnauthenticated) {

    /** Default bind port. */
    public static final int DEFAULT_PORT = 40_640;
    /** Default worker timeout: long enough for a minibatch of a small network on a loaded host. */
    public static final long DEFAULT_WORKER_TIMEOUT_MILLIS = 30_000;

    public ServerConfig {
        if (bind == null) {
            bind = Address.loopback(DEFAULT_PORT);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("ps workers must be >= 1, but got " + workers);
        }
        if (mode == null) {
            throw new IllegalArgumentException("ps mode must be SYNC or ASYNC, but got null");
        }
        if (stalenessLimit < 0) {
            throw new IllegalArgumentException("ps stalenessLimit must be >= 0, but got " + stalenessLimit);
        }
        if (workerTimeoutMillis < 1) {
            throw new IllegalArgumentException("ps workerTimeoutMillis must be >= 1, but got " + workerTimeoutMillis);
        }
        if (joinTimeoutMillis < 1) {
            throw new IllegalArgumentException("ps joinTimeoutMillis must be >= 1, but got " + joinTimeoutMillis);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("ps totalSteps must be >= 1, but got " + totalSteps);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("ps checkpointEvery must be >= 0 (0 = never), but got " + checkpointEvery);
        }
        secret = secret == null || secret.length == 0 ? null : secret.clone();
        if (secret == null && !allowUnauthenticated && !bind.isLoopback()) {
            throw new IllegalArgumentException("ps bind address " + bind + " is not loopback and no secret is set: anyone who"
                    + " reaches the port could join as any worker and redirect its parameters. Set a secret, or opt out"
                    + " explicitly on a trusted network");
        }
    }

    /** The configuration without a nonce and without the opt-out (as before both existed). */
    public ServerConfig(Address bind, int workers, ExchangeMode mode, int stalenessLimit, long workerTimeoutMillis,
                        long joinTimeoutMillis, long totalSteps, byte[] secret, Path checkpointDir, int checkpointEvery,
                        boolean resume) {
        this(bind, workers, mode, stalenessLimit, workerTimeoutMillis, joinTimeoutMillis, totalSteps, secret, checkpointDir,
                checkpointEvery, resume, 0, false);
    }

    /** Synchronous training on loopback, no secret, no checkpoints. */
    public static ServerConfig sync(Address bind, int workers, long totalSteps) {
        return new ServerConfig(bind, workers, ExchangeMode.SYNC, 0, DEFAULT_WORKER_TIMEOUT_MILLIS, DEFAULT_WORKER_TIMEOUT_MILLIS,
                totalSteps, null, null, 0, false);
    }

    /** Bounded-staleness asynchronous training on loopback, no secret, no checkpoints. */
    public static ServerConfig async(Address bind, int workers, int stalenessLimit, long totalSteps) {
        return new ServerConfig(bind, workers, ExchangeMode.ASYNC, stalenessLimit, DEFAULT_WORKER_TIMEOUT_MILLIS,
                DEFAULT_WORKER_TIMEOUT_MILLIS, totalSteps, null, null, 0, false);
    }

    @Override
    public byte[] secret() {
        return secret == null ? null : secret.clone();
    }

    public ServerConfig withWorkerTimeoutMillis(long millis) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, millis, joinTimeoutMillis, totalSteps, secret, checkpointDir,
                checkpointEvery, resume, nonce, allowUnauthenticated);
    }

    /** The same configuration with another join timeout (see {@link #joinTimeoutMillis}). */
    public ServerConfig withJoinTimeoutMillis(long millis) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, workerTimeoutMillis, millis, totalSteps, secret, checkpointDir,
                checkpointEvery, resume, nonce, allowUnauthenticated);
    }

    public ServerConfig withSecret(byte[] key) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, workerTimeoutMillis, joinTimeoutMillis, totalSteps, key,
                checkpointDir, checkpointEvery, resume, nonce, allowUnauthenticated);
    }

    public ServerConfig withCheckpoints(Path dir, int every, boolean resumeFromIt) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, workerTimeoutMillis, joinTimeoutMillis, totalSteps, secret, dir,
                every, resumeFromIt, nonce, allowUnauthenticated);
    }

    /** The same configuration with this job's (or trial's) nonce (see {@link #nonce}). */
    public ServerConfig withNonce(long n) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, workerTimeoutMillis, joinTimeoutMillis, totalSteps, secret,
                checkpointDir, checkpointEvery, resume, n, allowUnauthenticated);
    }

    /** The same configuration with the explicit opt-out of authentication on a non-loopback address set or cleared. */
    public ServerConfig withUnauthenticated(boolean allow) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, workerTimeoutMillis, joinTimeoutMillis, totalSteps, secret,
                checkpointDir, checkpointEvery, resume, nonce, allow);
    }

    public ServerConfig withTotalSteps(long steps) {
        return new ServerConfig(bind, workers, mode, stalenessLimit, workerTimeoutMillis, joinTimeoutMillis, steps, secret,
                checkpointDir, checkpointEvery, resume, nonce, allowUnauthenticated);
    }

    @Override
    public String toString() {
        return "ServerConfig(bind " + bind + ", " + workers + " workers, " + mode + (mode == ExchangeMode.ASYNC ? " staleness "
                + stalenessLimit : "") + ", timeout " + workerTimeoutMillis + " ms, join timeout " + joinTimeoutMillis + " ms, "
                + totalSteps + " steps, secret " + (secret == null ? (allowUnauthenticated ? "none (allowed)" : "none") : "set")
                + ", checkpoints "
                + (checkpointEvery == 0 ? "off" : "every " + checkpointEvery + (checkpointDir == null ? "" : " in " + checkpointDir)) + (resume ? ", resume" : "") + ")";
    }
}
