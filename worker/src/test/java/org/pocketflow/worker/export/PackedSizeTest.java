package org.pocketflow.worker.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.CompressedModel;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerRun;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFactory;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Versions;
import org.pocketflow.worker.train.EpochData;

/**
 * The packed file is never larger than the DL4J zip of the same weights, for every learner at
 * several budgets, on LeNet and on a small network of the size users hand in (a few thousand
 * parameters, batch norm, a concatenation and a residual add), where headers and provenance
 * weigh most.
 */
class PackedSizeTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);
    private static final EpochData NO_DATA = new EpochData() {
        @Override
        public java.util.Iterator<org.nd4j.linalg.dataset.DataSet> epoch(int epoch) {
            throw new AssertionError("no fine-tuning in this test");
        }

        @Override
        public long size() {
            return 0;
        }
    };

    /** About 6,900 parameters: conv + batch norm, two branches concatenated, a residual add, global pooling. */
    static ComputationGraph smallNetwork() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3).weightInit(WeightInit.RELU).updater(new Nesterovs(0.01, 0.9))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(16)
                        .activation(Activation.IDENTITY).build(), "input")
                .addLayer("stem_bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "stem")
                .addLayer("left", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(),
                        "stem_bn")
                .addLayer("right", new ConvolutionLayer.Builder(1, 1).nOut(8).activation(Activation.RELU).build(),
                        "stem_bn")
                .addVertex("cat", new MergeVertex(), "left", "right")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "cat", "stem_bn")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(32)
                        .activation(Activation.RELU).build(), "add")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer(ModelFactory.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs(ModelFactory.OUTPUT)
                .setInputTypes(ModelFactory.inputType(MNIST))
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String net : new String[]{"lenet", "small"}) {
            for (double s : new double[]{0.5, 0.75, 0.9}) {
                b.add(Arguments.of(net, new WeightSparsityLearner(), Budget.sparse(s)));
            }
            for (int bits : new int[]{8, 4, 2}) {
                b.add(Arguments.of(net, new UniformQuantLearner(), Budget.bits(bits)));
            }
            b.add(Arguments.of(net, new NonUniformQuantLearner(), Budget.bits(4)));
            b.add(Arguments.of(net, new ChannelPruningLearner(), Budget.macs(0.6)));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void packedFileIsNoLargerThanTheDl4jZip(String net, Learner learner, Budget budget) {
        ComputationGraph base = net.equals("lenet") ? Architecture.LENET.factory().create(MNIST, 10, 5) : smallNetwork();
        Map<String, String> provenance = new LinkedHashMap<>(Versions.runtime());
        provenance.put("seed", "5");
        provenance.put("dataset-sha256", "0".repeat(64));
        provenance.put("base-model", "hdfs://namenode:8020/models/user-model.zip");
        CompressedModel m = LearnerRun.run(learner, base, MNIST, Map.of(), budget, FineTuneSpec.none(), NO_DATA,
                provenance, s -> { });
        byte[] packed = PackedModelFile.toBytes(m.packed());
        long zip = ModelInfo.serializedBytes(m.graph());
        System.out.printf("%s %s %s: packed %d bytes, DL4J zip %d bytes (%.2fx)%n", net, learner.name(), budget,
                packed.length, zip, zip / (double) packed.length);
        assertTrue(packed.length <= zip, net + " " + learner.name() + " " + budget + ": packed " + packed.length
                + " bytes > DL4J zip " + zip + " bytes; encodings " + m.packed().encodings());

        ComputationGraph back = PackedModelFile.fromBytes(packed, "memory").toGraph();
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 28, 28);
        assertArrayEquals(m.graph().outputSingle(false, x).data().asFloat(),
                back.outputSingle(false, x).data().asFloat(), 1e-6f);
    }
}
