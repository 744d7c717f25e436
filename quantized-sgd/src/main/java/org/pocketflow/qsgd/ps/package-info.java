/**
 * The parameter server: data-parallel training of one parameter vector by several workers that
 * push codec-encoded gradients ({@code EncodedGradient} bytes) to a master, which aggregates them,
 * applies the optimizer and publishes fresh parameters. No Spark and no ND4J here; the Spark
 * trainer drives {@link org.pocketflow.qsgd.ps.WorkerClient}s on executors.
 *
 * <p><b>Pieces, in call order.</b> An {@link org.pocketflow.qsgd.ps.transport.AeronRuntime} per
 * JVM; a {@link org.pocketflow.qsgd.ps.ParameterServer} from a {@link
 * org.pocketflow.qsgd.ps.ServerConfig} (bind address, workers, {@link
 * org.pocketflow.qsgd.ps.ExchangeMode}, staleness limit, timeout, steps, secret, checkpoints), a
 * {@code GradientCodec} and {@link org.pocketflow.qsgd.ps.optim.SgdParams}; {@code start()}; each
 * worker a {@link org.pocketflow.qsgd.ps.WorkerClient} ({@code join}, then {@code push}/{@code
 * awaitParams} per step); {@code await} the {@link org.pocketflow.qsgd.ps.TrainingResult}.
 *
 * <p><b>Transport choice.</b> The exchange is built on Aeron directly (see {@code
 * org.pocketflow.qsgd.ps.transport}), not on nd4j's v2 {@code ModelParameterServer}: that one
 * Java-serializes every message's {@code INDArray} and reached 3–18 MB/s per receiver on loopback,
 * and its broadcast mesh does not carry a sender id, a step or a checksum; raw frames on Aeron
 * reached 260–660 MB/s per receiver in the same benchmark runs ({@code bench/bin/run
 * TransportThroughputBench}).
 *
 * <p><b>Protocol.</b> Worker → server: HELLO (its reply address), GRADIENT (step = the version
 * its gradient was computed on). Server → worker: PARAMS (the version, full fp32 parameters; the
 * last one flagged). Frames: {@code org.pocketflow.qsgd.ps.wire}.
 *
 * <p><b>Safety.</b> A server bound off loopback needs a secret (or the explicit opt-out); every
 * HMAC covers the run's nonce; a HELLO's reply address is checked ({@code HelloAddress}) before
 * anything is sent there; a worker adds at most one gradient per version; the server thread never
 * waits on a worker ({@code AeronLink} sends on its own threads); frames longer than the model's
 * size allows are never assembled ({@code FrameLimits}).
 */
package org.pocketflow.qsgd.ps;
