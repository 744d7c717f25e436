package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;

/**
 * A new user's own model and data that do not fit each other, or an image folder laid out
 * wrongly, are refused before any Spark work (exit 2, one line naming the key, what the model
 * takes against what the data gives, and the fix) instead of failing in the middle of the job
 * with ND4J's shape message.
 */
class UserModelPreflightTest {
    @TempDir
    Path tmp;

    /** A small CNN for {@code side x side x channels} images and {@code classes} outputs, saved to a zip. */
    private Path cnn(int side, int channels, int classes) throws Exception {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(side, side, channels))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("fc1", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "conv1")
                .addLayer("out", output(classes), "fc1").setOutputs("out").build();
        return save(conf, "cnn" + side + "x" + channels + "-" + classes + ".zip");
    }

    private static OutputLayer output(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX)
                .build();
    }

    private Path save(ComputationGraphConfiguration conf, String name) throws Exception {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Path file = tmp.resolve(name);
        ModelSerializer.writeModel(g, file.toFile(), false);
        return file;
    }

    private Path idx() {
        return PreflightTest.tinyDataset(tmp.resolve("idx"));
    }

    /** An image folder of {@code classes} generated classes (3 train and 2 val images each). */
    private Path images(String name, int classes) {
        Path root = tmp.resolve(name);
        SyntheticImageFolder.write(root, classes, 3, 2, 24, 40, "mixed", 7);
        return root;
    }

    private List<String> args(Path data, Path model, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.data.uri=" + data.toUri(), "--conf", "pocketflow.run.root=" + tmp.resolve("runs")));
        if (model != null) {
            args.addAll(List.of("--conf", "pocketflow.model.path=" + model));
        }
        args.addAll(List.of(extra));
        return args;
    }

    private static List<String> imageFolder(int size) {
        return List.of("--conf", "pocketflow.data.format=image-folder", "--conf", "pocketflow.data.image-size=" + size);
    }

    /** Exit 2, one line naming each of {@code what}, no stack trace, no run directory. */
    private void refused(List<String> args, String... what) {
        Cli.Outcome o = Cli.run(args);
        assertEquals(2, o.code(), o.out() + o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertFalse(o.err().contains("\tat "), o.err());
        assertTrue(o.err().contains("Fix"), o.err());
        for (String w : what) {
            assertTrue(o.err().contains(w), "'" + w + "' not in: " + o.err());
        }
        assertFalse(Files.exists(tmp.resolve("runs")), "no run directory for bad input");
    }

    private static List<String> with(List<String> args, List<String> more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(more);
        return all;
    }

    @Test
    void colourModelOnGreyIdxImagesIsRefusedNamingTheChannels() throws Exception {
        refused(args(idx(), cnn(28, 3, 10)), "pocketflow.model.path", "conv1 takes 3 channels", "1x28x28");
    }

    @Test
    void modelWithOtherClassCountsThanTheDataIsRefused() throws Exception {
        refused(args(idx(), cnn(28, 1, 2)), "pocketflow.model.path", "output has 2 classes", "has 10");
        refused(args(idx(), cnn(28, 1, 100)), "output has 100 classes", "10 units");
    }

    @Test
    void idxDataWithMoreClassesTakesAModelWithAsManyOutputs() throws Exception {
        Path data = PreflightTest.tinyDataset(tmp.resolve("idx26"));
        byte[] labels = new byte[64];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) (i % 26);
        }
        Files.write(data.resolve(org.pocketflow.worker.data.IdxDataset.TRAIN_LABELS + ".gz"),
                org.pocketflow.worker.data.IdxFiles.gzip(org.pocketflow.worker.data.IdxFiles.labels(labels)));
        JobConfig fits = JobConfig.load(Optional.empty(), List.of("pocketflow.data.uri=" + data.toUri(),
                "pocketflow.model.path=" + cnn(28, 1, 26)));
        assertEquals(List.of(), new JobRunner(fits, s -> { }).preflight());
        refused(args(data, cnn(28, 1, 10)), "output has 10 classes", "has 26");
    }

    @Test
    void modelForAnotherImageSizeIsRefusedNamingImageSize() throws Exception {
        List<String> job = args(images("img", 3), cnn(32, 3, 3));
        refused(with(job, imageFolder(40)), "pocketflow.model.path", "3x40x40", "pocketflow.data.image-size");
        refused(with(job, with(imageFolder(32), List.of("--conf", "pocketflow.data.channels=1"))),
                "conv1 takes 3 channels", "pocketflow.data.channels = 3");
    }

    @Test
    void denseModelForFlatVectorsIsRefusedWithTheInputTypeThatWorks() throws Exception {
        Path mlp = save(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .setInputTypes(InputType.feedForward(784))
                .addLayer("fc1", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", output(10), "fc1").setOutputs("out").build(), "mlp.zip");
        refused(args(idx(), mlp), "fc1 takes flat vectors of 784", "InputType.convolutional");
    }

    @Test
    void recurrentAndEmbeddingModelsAreRefusedAsSequenceModels() throws Exception {
        Path lstm = save(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .setInputTypes(InputType.recurrent(28, 28))
                .addLayer("rows", new LSTM.Builder().nOut(8).build(), "in")
                .addLayer("last", new LastTimeStep(new LSTM.Builder().nIn(8).nOut(8).build()), "rows")
                .addLayer("out", output(10), "last").setOutputs("out").build(), "lstm.zip");
        refused(args(idx(), lstm), "pocketflow.model.path", "layer rows (LSTM) works on sequences");
        Path embedding = save(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .setInputTypes(InputType.feedForward(1))
                .addLayer("embed", new EmbeddingLayer.Builder().nIn(256).nOut(8).build(), "in")
                .addLayer("out", output(10), "embed").setOutputs("out").build(), "embedding.zip");
        refused(args(idx(), embedding), "layer embed (EmbeddingLayer) works on sequences");
    }

    @Test
    void distillationWithAModelWhoseOutputIsNotSoftmaxIsRefused() throws Exception {
        Path sigmoid = save(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(28, 28, 1))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(10)
                        .activation(Activation.SIGMOID).build(), "conv1").setOutputs("out").build(), "sigmoid.zip");
        refused(with(args(idx(), sigmoid), List.of("--conf", "pocketflow.learn.algorithm=uniform-quant", "--conf",
                "pocketflow.learn.distill-weight=1")), "activation is sigmoid", "pocketflow.learn.distill-weight = 0");
        JobConfig noDistillation = JobConfig.load(Optional.empty(), List.of("pocketflow.data.uri=" + idx().toUri(),
                "pocketflow.model.path=" + sigmoid, "pocketflow.learn.algorithm=uniform-quant"));
        assertEquals(List.of(), new JobRunner(noDistillation, s -> { }).preflight(), "without distillation it runs");
    }

    @Test
    void zooNetworkOnImagesTooSmallForItIsRefusedNamingImageSize() {
        Path data = images("tiny", 3);
        refused(with(args(data, null), imageFolder(8)), "pocketflow.model.arch = lenet", "3x8x8",
                "needs images of at least 14x14", "pocketflow.data.image-size = 14");
        JobConfig fourteen = JobConfig.load(Optional.empty(), List.of("pocketflow.data.uri=" + data.toUri(),
                "pocketflow.data.format=image-folder", "pocketflow.data.image-size=14"));
        assertEquals(List.of(), new JobRunner(fourteen, s -> { }).preflight(), "LeNet takes 14x14 images");
    }

    @Test
    void fittingModelPassesThePreflight() throws Exception {
        JobConfig idx = JobConfig.load(Optional.empty(), List.of("pocketflow.data.uri=" + idx().toUri(),
                "pocketflow.model.path=" + cnn(28, 1, 10)));
        assertEquals(List.of(), new JobRunner(idx, s -> { }).preflight());
        JobConfig folder = JobConfig.load(Optional.empty(), List.of("pocketflow.data.uri=" + images("img", 3).toUri(),
                "pocketflow.data.format=image-folder", "pocketflow.data.image-size=32",
                "pocketflow.model.path=" + cnn(32, 3, 3)));
        assertEquals(List.of(), new JobRunner(folder, s -> { }).preflight());
    }

    @Test
    void tfrecordLabelsOutsideTheClassesAreRefusedBeforeSpark() throws Exception {
        Path shards = tmp.resolve("shards");
        org.pocketflow.worker.data.stream.ImageFolderToTfRecord.convert(images("img", 3).toString(), shards.toString(),
                4, 0, 1);
        List<String> tfrecord = List.of("--conf", "pocketflow.data.format=tfrecord", "--conf",
                "pocketflow.data.image-size=32", "--conf", "pocketflow.data.label-offset=0");
        refused(with(args(shards, null), with(tfrecord, List.of("--conf", "pocketflow.data.classes=2"))),
                "train-00000-of-", "is outside [0, 2)", "pocketflow.data.label-offset");
        refused(with(args(shards, null), with(tfrecord, List.of("--conf", "pocketflow.data.classes=3",
                "--conf", "pocketflow.data.label-offset=1"))), "label 0 minus pocketflow.data.label-offset = 1");
        JobConfig fits = JobConfig.load(Optional.empty(), List.of("pocketflow.data.uri=" + shards.toUri(),
                "pocketflow.data.format=tfrecord", "pocketflow.data.image-size=32", "pocketflow.data.label-offset=0",
                "pocketflow.data.classes=3", "pocketflow.model.path=" + cnn(32, 3, 3)));
        assertEquals(List.of(), new JobRunner(fits, s -> { }).preflight());
    }

    @Test
    void tfrecordShardsWithOtherFeatureKeysAreRefusedNamingTheirKeys() throws Exception {
        Path shards = tmp.resolve("shards");
        org.pocketflow.worker.data.stream.ImageFolderToTfRecord.convert(images("img", 3).toString(), shards.toString(),
                4, 0, 1);
        Path other = Files.createDirectories(tmp.resolve("other-keys"));
        try (var files = Files.list(shards)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                try (var in = new org.pocketflow.worker.data.stream.TfRecords.Reader(Files.newInputStream(f), f.toString());
                     var out = Files.newOutputStream(other.resolve(f.getFileName()))) {
                    for (byte[] r = in.next(); r != null; r = in.next()) {
                        String text = new String(r, java.nio.charset.StandardCharsets.ISO_8859_1);
                        // keys of the same length, so the protobuf lengths stay right
                        org.pocketflow.worker.data.stream.TfRecords.write(out, text.replace("image/encoded", "image/png_raw")
                                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
        refused(with(args(other, null), List.of("--conf", "pocketflow.data.format=tfrecord", "--conf",
                "pocketflow.data.image-size=32", "--conf", "pocketflow.data.label-offset=0", "--conf",
                "pocketflow.data.classes=3")), "pocketflow.data.uri", "train-00000-of-", "no image/encoded feature",
                "[image/png_raw, image/class/label]");
    }

    @Test
    void imageFolderWithOneClassIsRefused() {
        refused(with(args(images("one", 1), null), imageFolder(32)), "pocketflow.data.uri", "1 class folder",
                "at least two");
    }

    @Test
    void imageFolderWithAnEmptyClassFolderIsRefusedNamingIt() throws Exception {
        Path data = images("empty", 3);
        Files.createDirectories(data.resolve("train/class-03"));
        refused(with(args(data, null), imageFolder(32)), "pocketflow.data.uri", "train/class-03/");
    }

    @Test
    void imageFolderWithoutValIsRefusedBeforeSpark() throws Exception {
        Path data = images("noval", 3);
        try (var files = Files.walk(data.resolve("val"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        refused(with(args(data, null), imageFolder(32)), "pocketflow.data.uri", "no val/ folder");
    }
}
