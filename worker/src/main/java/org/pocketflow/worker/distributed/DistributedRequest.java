package org.pocketflow.worker.distributed;

import java.io.Serializable;
import java.util.Arrays;

import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Everything a worker needs for one distributed training run; built once on the driver from the
 * validated job configuration and shipped, the same for every worker, inside the Spark tasks.
 *
 * @param dataUri Hadoop FS URI of the dataset folder, read on each executor
 * @param trainLimit first N training images (0 = all)
 * @param validationFraction share of the training images held out (the same split everywhere)
 * @param architecture zoo architecture name
 * @param training epochs, batch size (per worker), learning rate, momentum, weight decay, schedule
 * @param seed the job seed; split, weights, each worker's data order and encoder derive from it
 * @param workers the number of workers (ids 0 … workers − 1, one data partition each)
 * @param mode sync (BSP) or bounded-staleness async
 * @param codec the gradient codec; each worker makes its own encoder from it
 * @param serverHost where the parameter server listens
 * @param portBase the server's UDP port; worker {@code w} receives on {@code portBase + 1 + w}, so
 *     several executors on one host never collide
 * @param secret the HMAC key of every message (empty: no authentication)
 * @param timeoutMillis how long a worker waits for parameters before it gives up
 * @param onednn use oneDNN kernels on the executor
 * @param hook called after every push ({@link NopWorkerHook#INSTANCE} in production)
 * @param nonce this run's random number, in every frame's HMAC, so that frames of another run
 *     (or trial) under the same Spark secret do not verify (0: none)
 * @param linkMbit emulated link rate of each worker's sends in Mbit/s (0: unlimited)
 * @param serverChosenCodec codec auto: workers start with fp32 gradients and then use the codec
 *     of the server's parameter updates ({@code ServerChosenEncoder}); {@code codec} is then fp32
 */
public record DistributedRequest(String dataUri, int trainLimit, double validationFraction, String architecture,
                                 TrainingSpec training, long seed, int workers, ExchangeMode mode, GradientCodec codec,
                                 String serverHost, int portBase, byte[] secret, long timeoutMillis, boolean onednn,
                                 WorkerHook hook, long nonce, int linkMbit, boolean serverChosenCodec)
        implements Serializable {

    public DistributedRequest {
        if (workers < 1) {
            throw new IllegalArgumentException("pocketflow.distributed.workers must be >= 1, but got " + workers);
        }
        if (portBase < 1 || portBase + workers > 65_535) {
            throw new IllegalArgumentException("pocketflow.distributed.port-base must leave room for the server and " + workers
                    + " workers below 65536 (ports " + portBase + " … " + (portBase + workers) + "); lower it");
        }
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("pocketflow.distributed.timeout-ms must be >= 1, but got " + timeoutMillis);
        }
        secret = secret == null ? new byte[0] : secret.clone();
        hook = hook == null ? NopWorkerHook.INSTANCE : hook;
        if (linkMbit < 0) {
            throw new IllegalArgumentException("pocketflow.distributed.link-mbit must be >= 0 (0 = unlimited), but got " + linkMbit);
        }
    }

    /** A request without a nonce, with the fixed {@code codec} both ways and unlimited links. */
    public DistributedRequest(String dataUri, int trainLimit, double validationFraction, String architecture,
                              TrainingSpec training, long seed, int workers, ExchangeMode mode, GradientCodec codec,
                              String serverHost, int portBase, byte[] secret, long timeoutMillis, boolean onednn,
                              WorkerHook hook) {
        this(dataUri, trainLimit, validationFraction, architecture, training, seed, workers, mode, codec, serverHost, portBase,
                secret, timeoutMillis, onednn, hook, 0, 0, false);
    }

    /** The same request with this run's nonce (the driver draws one per run). */
    public DistributedRequest withNonce(long n) {
        return new DistributedRequest(dataUri, trainLimit, validationFraction, architecture, training, seed, workers, mode, codec,
                serverHost, portBase, secret, timeoutMillis, onednn, hook, n, linkMbit, serverChosenCodec);
    }

    /** The same request with another hook (tests inject faults this way). */
    public DistributedRequest withHook(WorkerHook h) {
        return new DistributedRequest(dataUri, trainLimit, validationFraction, architecture, training, seed, workers, mode, codec,
                serverHost, portBase, secret, timeoutMillis, onednn, h, nonce, linkMbit, serverChosenCodec);
    }

    /** The same request with another HMAC key (each executor sets the key it derived itself). */
    public DistributedRequest withSecret(byte[] key) {
        return new DistributedRequest(dataUri, trainLimit, validationFraction, architecture, training, seed, workers, mode, codec,
                serverHost, portBase, key, timeoutMillis, onednn, hook, nonce, linkMbit, serverChosenCodec);
    }

    /** The same request with the server's address resolved (the driver picks it once Spark runs). */
    public DistributedRequest withServerHost(String host) {
        return new DistributedRequest(dataUri, trainLimit, validationFraction, architecture, training, seed, workers, mode, codec,
                host, portBase, secret, timeoutMillis, onednn, hook, nonce, linkMbit, serverChosenCodec);
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** The server's address. */
    public Address server() {
        return new Address(serverHost, portBase);
    }

    /** The UDP port worker {@code workerId} receives parameters on. */
    public int workerPort(int workerId) {
        if (workerId < 0 || workerId >= workers) {
            throw new IllegalArgumentException("worker id must be in [0, " + workers + "), but got " + workerId);
        }
        return portBase + 1 + workerId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DistributedRequest r && dataUri.equals(r.dataUri) && trainLimit == r.trainLimit
                && validationFraction == r.validationFraction && architecture.equals(r.architecture) && training.equals(r.training)
                && seed == r.seed && workers == r.workers && mode == r.mode && codec.equals(r.codec)
                && serverHost.equals(r.serverHost) && portBase == r.portBase && Arrays.equals(secret, r.secret)
                && timeoutMillis == r.timeoutMillis && onednn == r.onednn && hook.equals(r.hook) && nonce == r.nonce
                && linkMbit == r.linkMbit && serverChosenCodec == r.serverChosenCodec;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {dataUri, trainLimit, architecture, seed, workers, mode, portBase})
                + 31 * Arrays.hashCode(secret);
    }

    @Override
    public String toString() {
        return "DistributedRequest(" + architecture + " on " + dataUri + " limit " + trainLimit + ", " + workers + " workers "
                + mode + ", codec " + codec.id() + ", server " + server() + ", secret " + (secret.length == 0 ? "none" : "set")
                + ", seed " + seed + ")";
    }
}
