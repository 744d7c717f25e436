package org.pocketflow.driver.study;

import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.pocketflow.driver.Json;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.pocketflow.driver.SparkContexts;

/**
 * The Spark task of one trial's job: the base model from the study's broadcast (the DL4J zip's
 * bytes, sent once per executor), the work in {@link TrialRun}, the result back as JSON.
 */
public final class TrialTask implements Function<TrialRequest, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrialRun.class);

    private final Broadcast<byte[]> baseModel;

    /** @param baseModel the base model's DL4J zip, broadcast once for the whole study */
    public TrialTask(Broadcast<byte[]> baseModel) {
        this.baseModel = baseModel;
    }

    @Override
    public String call(TrialRequest request) throws Exception {
        SparkContexts.prepareExecutorTask();
        return Json.MAPPER.writeValueAsString(TrialRun.execute(request, baseModel.value(), LOG::info));
    }
}
