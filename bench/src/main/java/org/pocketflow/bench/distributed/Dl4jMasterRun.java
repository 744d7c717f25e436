package org.pocketflow.bench.distributed;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.pocketflow.conf.JvmFlags;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * DL4J's Spark training masters on {@code local[workers]}, with the same network, initial
 * weights, optimizer (Nesterov, schedule and weight decay via {@code Trainer.withOptimizer}),
 * data and batch size per worker as our trainer. The minibatches are built on the driver and
 * shipped in the RDD (DL4J's usual way). Java serialization: DL4J's classes are not registered
 * with our Kryo registrator.
 */
public final class Dl4jMasterRun {
    /** Parameter averaging period (minibatches per worker), DL4J's usual setting. */
    static final int AVERAGING_FREQUENCY = 5;

    private Dl4jMasterRun() {
    }

    /** {@code ParameterAveragingTrainingMaster}, averaging every {@value #AVERAGING_FREQUENCY} minibatches. */
    public static BenchRow parameterAveraging(ComputationGraph initial, ImageSet train, ImageSet test, Normalizer norm,
                                              TrainingSpec spec, int workers, long stepsPerEpoch) {
        TrainingMaster<?, ?> tm = new ParameterAveragingTrainingMaster.Builder(spec.batchSize())
                .batchSizePerWorker(spec.batchSize()).averagingFrequency(AVERAGING_FREQUENCY).workerPrefetchNumBatches(0)
                .rngSeed(spec.seed()).build();
        long n = initial.numParams();
        // per averaging round every worker returns parameters and Nesterov state and gets the averaged parameters back
        double up = workers * 2.0 * 4 * n / AVERAGING_FREQUENCY;
        double down = workers * 4.0 * n / AVERAGING_FREQUENCY;
        return run("DL4J ParameterAveragingTrainingMaster (avg every " + AVERAGING_FREQUENCY + ")", tm, initial, train, test,
                norm, spec, workers, stepsPerEpoch, up, down, "estimated: params + updater state per averaging round");
    }

    /** {@code SharedTrainingMaster} (threshold-encoded updates, DL4J's parameter server). */
    public static BenchRow shared(ComputationGraph initial, ImageSet train, ImageSet test, Normalizer norm, TrainingSpec spec,
                                  int workers, long stepsPerEpoch, int port) {
        VoidConfiguration voidConf = VoidConfiguration.builder().unicastPort(port).networkMask("127.0.0.0/8")
                .controllerAddress("127.0.0.1").build();
        TrainingMaster<?, ?> tm = new SharedTrainingMaster.Builder(voidConf, spec.batchSize())
                .batchSizePerWorker(spec.batchSize()).workersPerNode(1).workerPrefetchNumBatches(0)
                .thresholdAlgorithm(new AdaptiveThresholdAlgorithm(1e-3)).rngSeed(spec.seed()).build();
        return run("DL4J SharedTrainingMaster (threshold 1e-3 adaptive)", tm, initial, train, test, norm, spec, workers,
                stepsPerEpoch, Double.NaN, Double.NaN, "local mode: one node, no mesh traffic");
    }

    private static BenchRow run(String name, TrainingMaster<?, ?> tm, ComputationGraph initial, ImageSet train, ImageSet test,
                                Normalizer norm, TrainingSpec spec, int workers, long stepsPerEpoch, double up, double down,
                                String note) {
        SparkConf conf = new SparkConf().setMaster("local[" + workers + "]").setAppName("dl4j-baseline")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.executor.extraJavaOptions", JvmFlags.joined());
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            ComputationGraph g = Trainer.withOptimizer(initial.clone(), spec, stepsPerEpoch);
            List<DataSet> batches = new ArrayList<>();
            for (int e = 0; e < spec.epochs(); e++) {
                for (Iterator<DataSet> it = train.batches(spec.batchSize(), norm, spec.seed(), e); it.hasNext(); ) {
                    batches.add(it.next());
                }
            }
            JavaRDD<DataSet> rdd = sc.parallelize(batches, workers);
            SparkComputationGraph net = new SparkComputationGraph(sc, g, tm);
            long t0 = System.nanoTime();
            net.fit(rdd);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = Evaluator.evaluate(net.getNetwork(), test.batchesInOrder(256, norm)).accuracy();
            return new BenchRow(name, seconds, train.size() * (double) spec.epochs() / seconds, up, down, acc, note);
        }
    }
}
