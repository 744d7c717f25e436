package org.pocketflow.worker.task;

import java.io.Serializable;

import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerHook;

/**
 * One rung of a trial fine-tuned by several workers through the trial's parameter server: what
 * each worker task gets, the same for all of them (the partition number is the worker id).
 *
 * @param trial      the rung's request, as a one-task trial would get it
 * @param workers    workers of the trial
 * @param codec      the gradient codec; each worker makes its own encoder from it
 * @param serverHost where the trial's parameter server listens
 * @param serverPort its port; worker {@code w} receives on {@code serverPort + 1 + w}
 * @param waitMillis how long a worker waits for parameters before it leaves
 * @param secret     the trial's HMAC key, set on each executor from its own Spark secret (empty: none)
 * @param hook       called after every push ({@link NopWorkerHook#INSTANCE} outside tests)
 * @param nonce      the trial server's nonce, in every frame's HMAC
 * @param linkMbit   emulated link rate of each worker's sends in Mbit/s (0: unlimited)
 * @param serverChosenCodec codec auto: gradients start as fp32 and then follow the codec of the
 *     server's parameter updates; {@code codec} is then fp32
 */
public record TrialWorkerRequest(TrialRequest trial, int workers, GradientCodec codec, String serverHost, int serverPort,
                                 long waitMillis,
                                 byte[] secret, WorkerHook hook, long nonce, int linkMbit, boolean serverChosenCodec)
        implements Serializable {
    public TrialWorkerRequest {
        if (workers < 1 || serverPort < 1 || serverPort + workers > 65_535) {
            throw new IllegalArgumentException("trial " + trial.trial() + ": " + workers + " workers from port "
                    + serverPort + " do not fit below 65536");
        }
        secret = secret == null ? new byte[0] : secret.clone();
        hook = hook == null ? NopWorkerHook.INSTANCE : hook;
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    /** The same request with the HMAC key an executor derived. */
    public TrialWorkerRequest withSecret(byte[] key) {
        return new TrialWorkerRequest(trial, workers, codec, serverHost, serverPort, waitMillis, key, hook, nonce, linkMbit,
                serverChosenCodec);
    }

    /** The trial's parameter server. */
    public Address server() {
        return new Address(serverHost, serverPort);
    }

    /** The port worker {@code worker} receives parameters on. */
    public int workerPort(int worker) {
        return serverPort + 1 + worker;
    }
}
