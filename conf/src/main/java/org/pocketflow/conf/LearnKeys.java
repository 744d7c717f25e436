package org.pocketflow.conf;

import java.util.List;

/** Keys of compression: which learner, the target, and how the compressed model is fine-tuned. */
public final class LearnKeys {

    /** The compression algorithm. */
    public static final ConfigKey<String> ALGORITHM = ConfigKey.oneOf("pocketflow.learn.algorithm", "none",
            "Compression applied to the base model: none (base model only), channel-pruning, weight-sparsity, "
                    + "uniform-quant, nonuniform-quant, or channel pruning followed by quantization "
                    + "(channel-pruning+uniform-quant, channel-pruning+nonuniform-quant).",
            "none", "channel-pruning", "weight-sparsity", "uniform-quant", "nonuniform-quant",
            "channel-pruning+uniform-quant", "channel-pruning+nonuniform-quant");

    /** FLOPs target of channel pruning. */
    public static final ConfigKey<Double> MAC_FRACTION = ConfigKey.real("pocketflow.learn.mac-fraction", 0.5,
            "Channel pruning: fraction of the multiply-adds to keep (0.5 = 2x fewer FLOPs).",
            Validators.openClosed(0.0, 1.0));

    /** Bit target of quantization. */
    public static final ConfigKey<Double> AVERAGE_BITS = ConfigKey.real("pocketflow.learn.average-bits", 4.0,
            "Quantization: average weight bits, weighted by parameter count (per-layer bits are 2..8).",
            Validators.range(2.0, 8.0));

    /** Activation bits of uniform quantization. */
    public static final ConfigKey<Integer> ACTIVATION_BITS = ConfigKey.integer("pocketflow.learn.activation-bits", 0,
            "Uniform quantization: bits of every ReLU's output, calibrated on training images (0 = fp32 activations).",
            Validators.range(0, 16));

    /** Sparsity target. */
    public static final ConfigKey<Double> SPARSITY = ConfigKey.real("pocketflow.learn.sparsity", 0.75,
            "Weight sparsity: fraction of the weights set to zero, weighted by parameter count.",
            Validators.closedOpen(0.0, 0.99));

    /** Whether channel pruning keeps the first convolution whole. */
    public static final ConfigKey<Boolean> KEEP_FIRST_CONV = ConfigKey.bool("pocketflow.learn.keep-first-conv", true,
            "Channel pruning: keep the channels of the first convolution (its group) whole.");

    /** Channel selection criterion. */
    public static final ConfigKey<String> CHANNEL_SELECTOR = ConfigKey.oneOf("pocketflow.learn.channel-selector", "l1",
            "Channel pruning: how channels are chosen: l1 (filter norm), lasso (LASSO regression on the consumer's "
                    + "inputs with least-squares reconstruction, He et al. 2017) or dcp (discrimination-aware: greedy on "
                    + "reconstruction plus a classification loss, Zhuang et al. 2018); lasso and dcp are calibrated on "
                    + "training images.",
            "l1", "lasso", "dcp");

    /** How a compression job spreads the budget over the layers. */
    public static final ConfigKey<String> ALLOCATION = ConfigKey.oneOf("pocketflow.learn.allocation", "uniform",
            "Compression job: per-layer settings: uniform (the same ratio or bits in every layer) or latency (channel "
                    + "pruning: allocations meeting the MAC budget are timed at batch 64 on the executor, in ONNX Runtime "
                    + "when the network exports, else in DL4J, and the fastest is used; other learners stay uniform). A "
                    + "search chooses its own settings.",
            "uniform", "latency");

    /** Channel count granularity. */
    public static final ConfigKey<Integer> CHANNEL_MULTIPLE = ConfigKey.integer("pocketflow.learn.channel-multiple", 8,
            "Channel pruning: kept channel counts are multiples of this (1 = any count; 8 measured fastest with oneDNN).",
            Validators.range(1, 1024));

    /** Fine-tuning epochs. */
    public static final ConfigKey<Integer> FINE_TUNE_EPOCHS = ConfigKey.integer("pocketflow.learn.fine-tune-epochs", 3,
            "Epochs of fine-tuning after compression (0 = none); optimizer settings come from pocketflow.train.*.",
            Validators.range(0, 1000));

    /** Fine-tuning learning rate. */
    public static final ConfigKey<Double> FINE_TUNE_LEARNING_RATE = ConfigKey.real(
            "pocketflow.learn.fine-tune-learning-rate", 0.01,
            "Initial learning rate of fine-tuning (the schedule of pocketflow.train.lr-schedule applies).",
            Validators.openClosed(0.0, 10.0));

    /** Workers of a compression job's fine-tuning. */
    public static final ConfigKey<Integer> FINE_TUNE_WORKERS = ConfigKey.integer("pocketflow.learn.fine-tune-workers", 1,
            "Compression job without a search: workers of the fine-tuning. Above 1 it runs data-parallel on this many Spark"
                    + " tasks through a parameter server in the driver (pocketflow.distributed.codec, timeout-ms,"
                    + " join-timeout-ms, bind-address and port-base apply) and the cluster needs this many free task slots;"
                    + " 1 fine-tunes on the executor that compressed. A study uses pocketflow.search.workers-per-trial.",
            Validators.range(1, 1024));

    /** Distillation weight. */
    public static final ConfigKey<Double> DISTILL_WEIGHT = ConfigKey.real("pocketflow.learn.distill-weight", 0.0,
            "Knowledge distillation from the base model during fine-tuning: weight w of w*T^2*KL (0 = off).",
            Validators.range(0.0, 100.0));

    /** Distillation temperature. */
    public static final ConfigKey<Double> DISTILL_TEMPERATURE = ConfigKey.real(
            "pocketflow.learn.distill-temperature", 4.0,
            "Knowledge distillation temperature T.",
            Validators.openClosed(0.0, 100.0));

    /** Calibration images of LASSO and activation ranges. */
    public static final ConfigKey<Integer> CALIBRATION_IMAGES = ConfigKey.integer(
            "pocketflow.learn.calibration-images", 256,
            "Training images that calibrate data-driven settings: LASSO channel selection, the least-squares "
                    + "reconstruction after LASSO or DCP, activation ranges (pocketflow.learn.activation-bits). Their "
                    + "forward passes run in chunks of at most 256 MB of activations, so memory grows with the samples "
                    + "kept, not the activations.",
            Validators.range(1, 65536));

    /** Calibration images of DCP. */
    public static final ConfigKey<Integer> DCP_IMAGES = ConfigKey.integer("pocketflow.learn.dcp-images", 1024,
            "Labelled training images of DCP channel selection (pocketflow.learn.channel-selector = dcp); its "
                    + "discrimination loss needs more than reconstruction does. Its reconstruction uses the first "
                    + "pocketflow.learn.calibration-images of them.",
            Validators.range(1, 65536));

    /** Images on which channel pruning re-estimates the batch norms' statistics. */
    public static final ConfigKey<Integer> BATCH_NORM_IMAGES = ConfigKey.integer(
            "pocketflow.learn.batch-norm-images", 256,
            "Channel pruning: training images (the first of the calibration set, a seeded order) on which every "
                    + "batch norm's mean and variance are re-estimated after the cut, before the candidate is "
                    + "fine-tuned or scored (adaptive batch norm, EagleEye); weights are unchanged. Without it a "
                    + "pruned network scores with its base's stale statistics (ResNet-20 at 50% of the MACs: near "
                    + "chance). 0 = keep the base's statistics. Networks without batch norms are unaffected.",
            Validators.range(0, 65536));

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Compression", List.of(ALGORITHM, MAC_FRACTION, AVERAGE_BITS,
            ACTIVATION_BITS, SPARSITY, KEEP_FIRST_CONV, CHANNEL_SELECTOR, CHANNEL_MULTIPLE, ALLOCATION, FINE_TUNE_EPOCHS, FINE_TUNE_LEARNING_RATE,
            FINE_TUNE_WORKERS, DISTILL_WEIGHT, DISTILL_TEMPERATURE, CALIBRATION_IMAGES,
            DCP_IMAGES, BATCH_NORM_IMAGES));

    private LearnKeys() {
    }
}
