/**
 * Data-parallel training of one network over N Spark executors through the parameter server:
 * the Spark side of {@code org.pocketflow.worker.distributed}.
 *
 * <p><b>Call order.</b> {@link org.pocketflow.driver.distributed.DistributedTrainer#train}: the
 * driver maps the validated configuration onto a {@code DistributedRequest} ({@link
 * org.pocketflow.driver.distributed.DistributedRequests}), derives the HMAC key from the job's
 * Spark secret when {@code spark.authenticate} is on ({@link
 * org.pocketflow.driver.distributed.JobSecret}), starts the {@code ParameterServer} in the driver,
 * runs one Spark job of N tasks ({@link org.pocketflow.driver.distributed.TrainPartitionFunction},
 * one worker each), waits for the server — not for Spark: a worker that dies or stalls is dropped
 * and its task's fate does not decide the run — evaluates the final parameters and writes the
 * model to the run directory ({@link org.pocketflow.driver.distributed.DistributedResult}).
 * {@link org.pocketflow.driver.distributed.DistributedMain} is the command-line entry point.
 *
 * <p>A study's trial on W workers uses the same pieces per rung: {@link
 * org.pocketflow.driver.distributed.TrialServer} runs the trial's own server (its own ports, its own
 * HMAC key, {@link org.pocketflow.driver.distributed.JobSecret#forTrial}) with the learner's
 * constraint kept on the server, and one job of W {@link
 * org.pocketflow.driver.distributed.TrialWorkerFunction} tasks; {@link
 * org.pocketflow.driver.distributed.ServerJob} decides the end for both kinds of run.
 */
package org.pocketflow.driver.distributed;
