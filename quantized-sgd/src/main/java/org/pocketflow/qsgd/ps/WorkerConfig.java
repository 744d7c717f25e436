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
 */
public record WorkerConfig(int workerId, Address bind, Address server, byte[] secret, long timeoutMillis) {

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
        secret = secret == null || secret.length == 0 ? null : secret.clone();
    }

    public WorkerConfig(int workerId, Address bind, Address server) {
        this(workerId, bind, server, null, ServerConfig.DEFAULT_WORKER_TIMEOUT_MILLIS);
    }

    @Override
    public byte[] secret() {
        return secret == null ? null : secret.clone();
    }

    public WorkerConfig withSecret(byte[] key) {
        return new WorkerConfig(workerId, bind, server, key, timeoutMillis);
    }

    public WorkerConfig withTimeoutMillis(long millis) {
        return new WorkerConfig(workerId, bind, server, secret, millis);
    }
}
