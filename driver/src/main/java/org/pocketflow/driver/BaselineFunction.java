package org.pocketflow.driver;

import org.apache.spark.api.java.function.Function;
import org.pocketflow.worker.task.BaselineRequest;
import org.pocketflow.worker.task.BaselineRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark task that produces the base model on an executor. Returns the result as JSON so
 * that nothing but a String crosses back to the driver.
 */
final class BaselineFunction implements Function<BaselineRequest, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BaselineRun.class);

    @Override
    public String call(BaselineRequest request) throws Exception {
        SparkContexts.prepareExecutorTask();
        return Json.MAPPER.writeValueAsString(BaselineRun.execute(request, LOG::info));
    }
}
