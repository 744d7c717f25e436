package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.Address;

/**
 * One worker's view of the exchange; immutable.
 *
 * @param workerId this worker's id, in [0, workers) of the server's configuration
 * @param bind the address this worker receives parameters on
 * @param server the server's address
 * @param secret the HMAC key, the server's (null: none)
 * @param timeoutMillis how long to wait for parameters (and for a send) before giving up
 * @param nonce the job's (or trial's) nonce, the server's ({@link ServerConfig#nonce})
 * @param paramCount the model's parameter count, which bounds the longest frame this worker
 *     takes (0: unknown, the transport's {@code maxMessageBytes})
 */
public record WorkerConfig(int workerId, Address bind, Address server, byte[] secret, long timeoutMillis, long nonce,
                           long paramCount) {

    public WorkerConfig {
        if (workerId < 0) {
            throw new IllegalArgumentException("worker id must be >= 0, but got " + workerId);
        }
        if (bind == null || server == null) {
            throw new IllegalArgumentException("worker " + workerId + " needs a bind address and the server's address");
        }
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("worker timeoutMillis must be >= 1, but got " + timeoutMillis);
        }
        if (paramCount < 0) {
            throw new IllegalArgumentException("worker paramCount must be >= 0 (0 = unknown), but got " + paramCount);
        }
        secret = secret == null || secret.length == 0 ? null : secret.clone();
    }

    /** A configuration without a nonce and without the model's size. */
    public WorkerConfig(int workerId, Address bind, Address server, byte[] secret, long timeoutMillis) {
        this(workerId, bind, server, secret, timeoutMillis, 0, 0);
    }

    public WorkerConfig(int workerId, Address bind, Address server) {
        this(workerId, bind, server, null, ServerConfig.DEFAULT_WORKER_TIMEOUT_MILLIS);
    }

    @Override
    public byte[] secret() {
        return secret == null ? null : secret.clone();
    }

    public WorkerConfig withSecret(byte[] key) {
        return new WorkerConfig(workerId, bind, server, key, timeoutMillis, nonce, paramCount);
    }

    public WorkerConfig withTimeoutMillis(long millis) {
        return new WorkerConfig(workerId, bind, server, secret, millis, nonce, paramCount);
    }

    /** The same configuration with the job's (or trial's) nonce. */
    public WorkerConfig withNonce(long n) {
        return new WorkerConfig(workerId, bind, server, secret, timeoutMillis, n, paramCount);
    }

    /** The same configuration for a model of {@code count} parameters. */
    public WorkerConfig withParamCount(long count) {
        return new WorkerConfig(workerId, bind, server, secret, timeoutMillis, nonce, count);
    }
}
