package org.pocketflow.driver.distributed;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.distributed.DistributedRequest;
import org.pocketflow.worker.distributed.JvmAeron;
import org.pocketflow.worker.distributed.PartitionTrainer;
import org.pocketflow.worker.distributed.WorkerReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.pocketflow.driver.SparkContexts;

/**
 * The Spark task of one worker: partition {@code p} of the job's RDD holds one copy of the
 * request and is worker {@code p}. On the executor it derives the HMAC key from the executor's
 * own Spark secret, picks the address to receive on (loopback when the server is on loopback,
 * else the executor's host as Spark knows it) and runs {@link PartitionTrainer}. Stateless.
 */
final class TrainPartitionFunction implements FlatMapFunction<Iterator<DistributedRequest>, WorkerReport> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PartitionTrainer.class);

    @Override
    public Iterator<WorkerReport> call(Iterator<DistributedRequest> requests) {
        SparkContexts.prepareExecutorTask();
        TaskContext task = TaskContext.get();
        List<WorkerReport> out = new ArrayList<>(1);
        while (requests.hasNext()) {
            DistributedRequest req = requests.next().withSecret(JobSecret.fromSparkEnv());
            String host = req.serverHost().equals(Address.LOOPBACK) ? Address.LOOPBACK
                    : SparkEnv.get().blockManager().blockManagerId().host();
            out.add(PartitionTrainer.run(req, task.partitionId(), task.attemptNumber(), host, JvmAeron.get(), LOG::info));
        }
        return out.iterator();
    }
}
