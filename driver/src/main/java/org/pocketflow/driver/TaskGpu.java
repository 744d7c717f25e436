package org.pocketflow.driver;

import java.util.Optional;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a task's thread to the GPU that Spark's resource scheduling gave the task. With
 * {@code spark.executor.resource.gpu.amount} and {@code spark.task.resource.gpu.amount=1} every
 * running task holds one GPU address of its executor (found by the executor's discovery script,
 * {@code submit/gpu/discover-gpus.sh}); ND4J's CUDA backend otherwise puts every thread on
 * device 0, so two tasks of one executor would share one GPU and leave the other idle.
 */
public final class TaskGpu {
    private static final Logger LOG = LoggerFactory.getLogger(TaskGpu.class);

    private TaskGpu() {
    }

    /**
     * In a task with a GPU assigned: makes that device the current thread's ND4J device and
     * returns its address. A CPU backend (the CPU application jar, or CUDA that failed to load)
     * cannot use it: the task runs on the CPU and says so. Empty outside a task or without a GPU.
     */
    public static Optional<String> bind() {
        TaskContext task = TaskContext.get();
        if (task == null || task.resources().get("gpu").isEmpty()) {
            return Optional.empty();
        }
        ResourceInformation gpu = task.resources().get("gpu").get();
        String address = gpu.addresses()[0];
        AffinityManager affinity = Nd4j.getAffinityManager();
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        int device;
        try {
            device = Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Spark assigned GPU address '" + address + "', which is not a device number;"
                    + " the discovery script must print the indices nvidia-smi lists (submit/gpu/discover-gpus.sh)");
        }
        if (backend.startsWith("Cpu")) {
            LOG.warn("task {} was given GPU {} but ND4J's backend is {}: it trains on the CPU. Submit the GPU"
                    + " application jar (mvn -Pdist,gpu -DskipTests package) on hosts with CUDA 11.6 and cuDNN 8.3",
                    task.taskAttemptId(), address, backend);
        } else if (device >= affinity.getNumberOfDevices()) {
            throw new IllegalStateException("Spark assigned GPU " + device + " but ND4J sees " + affinity.getNumberOfDevices()
                    + " device(s); the discovery script and CUDA_VISIBLE_DEVICES disagree");
        } else {
            affinity.unsafeSetDevice(device);
            LOG.info("task {} runs on GPU {}", task.taskAttemptId(), device);
        }
        return Optional.of(address);
    }
}
