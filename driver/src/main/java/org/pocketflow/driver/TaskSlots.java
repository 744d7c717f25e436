package org.pocketflow.driver;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;

import scala.collection.JavaConverters;

/**
 * How many tasks a Spark application can run at the same time, as far as its driver can tell:
 * the master URL for local masters, the executors' registered cores on a cluster (waiting up to
 * {@code spark.scheduler.maxRegisteredResourcesWaitingTime} for executors that are still
 * starting), or the dynamic-allocation limit. Jobs whose tasks must all run at once (the
 * workers of one parameter server) compare their task count with it before they start.
 */
public final class TaskSlots {
    private static final Pattern LOCAL_N = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,.*]");

    /**
     * @param slots the number of tasks that can run at once ({@link Integer#MAX_VALUE}: no known limit)
     * @param how   where the number comes from, for messages, e.g. "2 executors x 1 core"
     */
    public record Count(int slots, String how) {
    }

    private TaskSlots() {
    }

    /**
     * The slots of {@code sc}'s cluster, waiting for executors to register until there are
     * {@code wanted} slots or the registration wait is over.
     */
    public static Count await(JavaSparkContext sc, int wanted) {
        SparkConf conf = sc.getConf();
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        String master = sc.master();
        Count fixed = ofMaster(master, taskCpus, Runtime.getRuntime().availableProcessors());
        if (fixed != null) {
            return fixed;
        }
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            int max = conf.getInt("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE);
            int cores = conf.getInt("spark.executor.cores", 1);
            return max == Integer.MAX_VALUE
                    ? new Count(Integer.MAX_VALUE, "dynamic allocation without spark.dynamicAllocation.maxExecutors")
                    : new Count(max * cores / taskCpus, "spark.dynamicAllocation.maxExecutors " + max + " x "
                            + cores + " cores / spark.task.cpus " + taskCpus);
        }
        long waitMillis = conf.getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (true) {
            int executors = 0;
            int cores = 0;
            for (ExecutorSummary e : JavaConverters.seqAsJavaList(sc.sc().statusStore().executorList(true))) {
                if (!e.id().equals("driver")) {
                    executors++;
                    cores += e.totalCores();
                }
            }
            Count registered = new Count(cores / taskCpus, executors + " registered executors with " + cores
                    + " cores / spark.task.cpus " + taskCpus);
            if (registered.slots() >= wanted || System.nanoTime() > deadline) {
                return registered;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return registered;
            }
        }
    }

    /**
     * The slots that a local master's URL fixes, or null for a cluster master.
     *
     * @param processors the processors {@code local[*]} stands for
     */
    static Count ofMaster(String master, int taskCpus, int processors) {
        if (master.equals("local")) {
            return new Count(1 / taskCpus, "master local (1 thread)");
        }
        Matcher m = LOCAL_N.matcher(master);
        if (m.matches()) {
            int threads = m.group(1).equals("*") ? processors : Integer.parseInt(m.group(1));
            return new Count(threads / taskCpus, "master " + master + " (" + threads + " threads / spark.task.cpus "
                    + taskCpus + ")");
        }
        Matcher c = LOCAL_CLUSTER.matcher(master);
        if (c.matches()) {
            int workers = Integer.parseInt(c.group(1));
            int cores = Integer.parseInt(c.group(2));
            return new Count(workers * cores / taskCpus, "master " + master + " (" + workers + " executors x " + cores
                    + " cores / spark.task.cpus " + taskCpus + ")");
        }
        return null;
    }
}
