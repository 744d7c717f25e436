package org.pocketflow.driver.distributed;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.distributed.JvmAeron;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.task.TrialWorker;
import org.pocketflow.worker.task.TrialWorkerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark task of one worker of a trial through its parameter server: partition {@code p} is
 * worker {@code p}. On the executor it derives the trial's HMAC key from the executor's own Spark
 * secret and the trial number ({@link JobSecret#forTrial}), picks the address to receive on as
 * {@link TrainPartitionFunction} does and runs {@link TrialWorker}. The base model comes from the
 * study's broadcast. Stateless.
 */
final class TrialWorkerFunction implements FlatMapFunction<Iterator<TrialWorkerRequest>, WorkerReport> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrialWorker.class);

    private final Broadcast<byte[]> baseModel;

    TrialWorkerFunction(Broadcast<byte[]> baseModel) {
        this.baseModel = baseModel;
    }

    @Override
    public Iterator<WorkerReport> call(Iterator<TrialWorkerRequest> requests) {
        SparkContexts.prepareExecutorTask();
        TaskContext task = TaskContext.get();
        List<WorkerReport> out = new ArrayList<>(1);
        while (requests.hasNext()) {
            TrialWorkerRequest r = requests.next();
            TrialWorkerRequest req = r.withSecret(JobSecret.forTrial(JobSecret.fromSparkEnv(), r.trial().trial()));
            String host = req.server().host().equals(Address.LOOPBACK) ? Address.LOOPBACK
                    : SparkEnv.get().blockManager().blockManagerId().host();
            out.add(TrialWorker.run(req, baseModel.value(), task.partitionId(), task.attemptNumber(), host, JvmAeron.get(),
                    LOG::info));
        }
        return out.iterator();
    }
}
