package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A task that fails on an executor reaches the user as one line naming the task's exception,
 * not as Spark's "Job aborted due to stage failure" with the executor's trace and "Driver
 * stacktrace" (the whole trace goes to driver.log).
 */
class JobFailureMessageTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[1]").setAppName("failure-message")
                .set("spark.task.maxFailures", "1").set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** What a job's task threw, as the driver sees it: Spark's exception wrapped as {@link JobRunner} wraps it. */
    private static RuntimeException failedJob(Function<Integer, Integer> task) {
        SparkException e = assertThrows(SparkException.class,
                () -> sc.parallelize(List.of(1), 1).map(task).collect());
        return new IllegalStateException(e);
    }

    private static void oneLineWithout(String message, String... absent) {
        assertFalse(message.contains("\n"), message);
        assertFalse(message.contains("Driver stacktrace"), message);
        assertFalse(message.contains("Job aborted"), message);
        for (String a : absent) {
            assertFalse(message.contains(a), message);
        }
    }

    /** A NullPointerException's helpful text is lost when Spark serializes it; Spark's message still has it. */
    static final class Dereference implements Function<Integer, Integer> {
        @Override
        public Integer call(Integer x) {
            Map<String, Double> bits = Map.of();
            return bits.get("conv1").intValue() + x;
        }
    }

    /** DL4J's shape errors span several lines. */
    static final class MultiLine implements Function<Integer, Integer> {
        @Override
        public Integer call(Integer x) {
            throw new IllegalArgumentException("Invalid input data or configuration: kernel height 5 > input height 2.\n"
                    + "Input size: [64, 20, 2, 2], inputKernel=[5, 5]");
        }
    }

    @Test
    void aNullPointerExceptionInATaskIsOneLineNamingItAndWhereItWasThrown() {
        String message = JobRunner.rootMessage(failedJob(new Dereference()));
        oneLineWithout(message, "\tat ");
        assertTrue(message.contains("NullPointerException"), message);
        assertTrue(message.contains("Dereference.call"), "where it was thrown: " + message);
        assertTrue(message.contains("\"java.lang.Double.intValue()\""), "Spark's text of it: " + message);
    }

    @Test
    void aMultiLineMessageFromATaskBecomesOneLineKeepingItsText() {
        String message = JobRunner.rootMessage(failedJob(new MultiLine()));
        oneLineWithout(message);
        assertTrue(message.startsWith("Invalid input data or configuration: kernel height 5 > input height 2. Input size: "
                + "[64, 20, 2, 2]"), message);
        assertTrue(message.endsWith("(IllegalArgumentException)"), message);
    }
}
