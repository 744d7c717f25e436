package org.pocketflow.worker.learn;

import java.util.List;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.prune.ChannelSelector;
import org.pocketflow.worker.learn.prune.DcpChannelSelector;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.learn.prune.LassoChannelSelector;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;

/** The learners by configuration name ({@code pocketflow.learn.algorithm}). */
public final class LearnerCatalog {
    /** Every name {@link #create} knows. */
    public static final List<String> NAMES = List.of("channel-pruning", "weight-sparsity", "uniform-quant",
            "nonuniform-quant", "channel-pruning+uniform-quant", "channel-pruning+nonuniform-quant");

    private LearnerCatalog() {
    }

    /**
     * How many calibration images {@link #create} should get for {@code options}: DCP's discrimination
     * loss needs labels for more images than reconstruction does (LeNet, 50% MACs, before
     * fine-tuning: 90.14% with 256 images, 91.00% with 1024).
     */
    public static int calibrationImages(LearnerOptions options) {
        int selection = "dcp".equals(options.channelSelector()) ? options.dcpImages() : options.calibrationImages();
        return Math.max(selection, options.batchNormImages());
    }

    /**
     * A learner with the knobs and budget rule of {@code create(name, options, ...)}, for building
     * a search space where no data is at hand (the driver): neither depends on the channel
     * selector or on activation quantization, which this one leaves out (L1, fp32 activations).
     * Compress with {@link #create} on the executor.
     */
    public static Learner searchSpaceOf(String name, LearnerOptions options) {
        return create(name, new LearnerOptions(options.keepFirstConv(), "l1", options.channelMultiple(), 0), null, 0);
    }

    /**
     * The learner called {@code name}.
     *
     * @param options     the learners' options from the job configuration
     * @param calibration normalised training images and their one-hot labels for data-driven
     *                    settings (LASSO and DCP channel selection, activation ranges, batch-norm
     *                    re-estimation after pruning), {@link #calibrationImages} of them, each use
     *                    taking the first of them it needs; may be null when none is used
     * @param seed        seed of data-driven settings (LASSO's and DCP's sampled positions)
     */
    public static Learner create(String name, LearnerOptions options, DataSet calibration, long seed) {
        INDArray all = calibration == null ? null : calibration.getFeatures();
        INDArray images = first(all, options.calibrationImages());
        ChannelSelector selector = switch (options.channelSelector()) {
            case "l1" -> new L1ChannelSelector();
            case "lasso" -> new LassoChannelSelector(images, seed);
            case "dcp" -> new DcpChannelSelector(first(all, options.dcpImages()),
                    calibration == null ? null : first(calibration.getLabels(), options.dcpImages()), seed,
                    options.calibrationImages());
            default -> throw new IllegalArgumentException("unknown channel selector " + options.channelSelector()
                    + "; known: l1, lasso, dcp");
        };
        ChannelPruningLearner prune = new ChannelPruningLearner(selector, options.keepFirstConv(),
                options.channelMultiple(), BatchNormReestimation.firstImages(all, options.batchNormImages()));
        UniformQuantLearner uniform = new UniformQuantLearner(2, 8, options.activationBits(), images);
        return switch (name) {
            case "channel-pruning" -> prune;
            case "weight-sparsity" -> new WeightSparsityLearner();
            case "uniform-quant" -> uniform;
            case "nonuniform-quant" -> new NonUniformQuantLearner();
            case "channel-pruning+uniform-quant" -> new ChainLearner(prune, uniform);
            case "channel-pruning+nonuniform-quant" -> new ChainLearner(prune, new NonUniformQuantLearner());
            default -> throw new IllegalArgumentException("unknown learner " + name + "; known: " + NAMES);
        };
    }

    /** The first {@code n} rows of {@code a} (all when fewer; null stays null). */
    private static INDArray first(INDArray a, int n) {
        return a == null || n >= a.size(0) ? a : a.get(NDArrayIndex.interval(0, n));
    }
}
