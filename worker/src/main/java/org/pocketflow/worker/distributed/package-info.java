/**
 * Data-parallel training of one network over several workers through the parameter server of
 * {@code org.pocketflow.qsgd.ps}, without Spark types (the driver's {@code distributed} package
 * schedules it on executors).
 *
 * <p><b>Pieces, in call order.</b> The driver builds one immutable {@link
 * org.pocketflow.worker.distributed.DistributedRequest} and, from it and the dataset, a {@link
 * org.pocketflow.worker.distributed.MasterModel} (initial parameters, the server's optimizer with
 * local training's schedule and weight decay, the {@link
 * org.pocketflow.worker.distributed.TrainingPlan}); it starts the {@code ParameterServer}. Each
 * worker (one per data partition, an executor task) runs {@link
 * org.pocketflow.worker.distributed.PartitionTrainer#run}: read its partition through Hadoop FS,
 * compute gradients with DL4J (never DL4J's updater: the server's optimizer owns the update),
 * encode them with its own encoder, push, apply the parameters it gets back; it returns a {@link
 * org.pocketflow.worker.distributed.WorkerReport}. Finally the driver evaluates the server's final
 * parameters with {@link org.pocketflow.worker.distributed.MasterModel#evaluate}.
 *
 * <p>The exchange itself is {@link org.pocketflow.worker.distributed.GradientLoop}, shared with a
 * study's trials on several workers ({@code task.TrialWorker}); there the server's optimizer is a
 * {@link org.pocketflow.worker.distributed.ConstrainedOptimizer}, which keeps the learner's
 * {@code StepHook} in force around each step.
 *
 * <p><b>Seeds.</b> One job seed: the split, the normaliser and the initial weights are the same
 * on every worker and on the driver; each worker's data order and encoder seed are split from the
 * job seed by worker id ({@link org.pocketflow.worker.distributed.PartitionTrainer#dataSeed},
 * {@link org.pocketflow.worker.distributed.PartitionTrainer#encoderSeed}).
 */
package org.pocketflow.worker.distributed;
