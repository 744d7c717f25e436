package org.pocketflow.driver;

import org.apache.spark.serializer.KryoRegistrator;

import org.pocketflow.worker.distributed.DistributedRequest;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.task.BaselineRequest;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialWorkerRequest;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;

/**
 * Registers every class of ours that Spark serialises with Kryo (registration is required, so
 * an unregistered class fails loudly instead of being written with its full name each time).
 * Task results cross as JSON strings, except distributed training's {@code WorkerReport}s; the
 * study's base model is broadcast as the bytes of its DL4J zip. Requests and worker reports are
 * Java records, which Kryo 4's field serializer cannot rebuild (record fields are final and set
 * only by the canonical constructor), so they go through Java serialisation, which calls that
 * constructor.
 */
public final class PocketFlowKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(String[].class);
        kryo.register(Object[].class);
        kryo.register(byte[].class);
        kryo.register(BaselineRequest.class, new JavaSerializer());
        kryo.register(TrialRequest.class, new JavaSerializer());
        kryo.register(TrialWorkerRequest.class, new JavaSerializer());
        kryo.register(DistributedRequest.class, new JavaSerializer());
        kryo.register(WorkerReport.class, new JavaSerializer());
    }
}
