package org.pocketflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;

class ModelFilesTest {
    @Test
    void savedModelLoadsBackWithIdenticalParameters(@TempDir Path tmp) {
        ComputationGraph g = Architecture.MOBILENET.factory().create(new ImageShape(1, 28, 28), 10, 4);
        String uri = tmp.resolve("m.zip").toUri().toString();
        ModelFiles.save(g, uri);
        ComputationGraph back = ModelFiles.load(uri);
        assertEquals(g.params(), back.params());
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson());
    }

    @Test
    void multiLayerNetworkZipLoadsAsAGraphWithTheSameOutputs(@TempDir Path tmp) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 1)).build());
        net.init();
        Path file = tmp.resolve("mln.zip");
        ModelSerializer.writeModel(net, file.toFile(), true); // as users save it: with the updater
        ComputationGraph g = ModelFiles.load(file.toUri().toString());
        assertEquals(net.numParams(), g.numParams());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 12, 12);
        assertEquals(net.output(x), g.outputSingle(x));
        ModelFiles.check(file.toUri().toString());
    }

    @Test
    void frozenLayersLoadAsTheLayersTheyWrapSoTheLearnersSeeThem(@TempDir Path tmp) throws Exception {
        ComputationGraph base = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(12, 12, 1))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build(), "conv1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "conv2")
                .setOutputs("out").build());
        base.init();
        // transfer learning as DL4J users do it: conv1 and conv2 frozen
        ComputationGraph frozen = new TransferLearning.GraphBuilder(base).setFeatureExtractor("conv2").build();
        Path file = tmp.resolve("frozen.zip");
        ModelSerializer.writeModel(frozen, file.toFile(), true);
        ComputationGraph g = ModelFiles.load(file.toUri().toString());
        for (String name : new String[] {"conv1", "conv2"}) {
            assertTrue(g.getLayer(name).conf().getLayer() instanceof ConvolutionLayer, name + " is still frozen");
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 12, 12);
        assertEquals(frozen.outputSingle(x), g.outputSingle(x));
        ImageShape shape = new ImageShape(1, 12, 12);
        assertEquals(ModelInfo.of(base, shape).totalMacs(), ModelInfo.of(g, shape).totalMacs());
        // 4-bit quantization failed with a NullPointerException on the frozen layers
        var compression = new org.pocketflow.worker.learn.quant.UniformQuantLearner()
                .compress(g, shape, java.util.Map.of(), org.pocketflow.worker.learn.Budget.bits(4));
        assertEquals(java.util.Set.of("conv1", "conv2", "out"), compression.settings().keySet());
    }

    @Test
    void aFolderIsRefusedNamingTheFixAndASavedModelTheHdf5Format(@TempDir Path tmp) throws Exception {
        var plain = assertThrows(IllegalArgumentException.class, () -> ModelFiles.check(tmp.toUri().toString()));
        assertTrue(plain.getMessage().contains("is a folder") && plain.getMessage().contains("model file in it"),
                plain.getMessage());
        Files.write(tmp.resolve("saved_model.pb"), new byte[] {8, 1});
        var saved = assertThrows(IllegalArgumentException.class, () -> ModelFiles.check(tmp.toUri().toString()));
        assertTrue(saved.getMessage().contains("TensorFlow SavedModel") && saved.getMessage().contains("model.h5"),
                saved.getMessage());
    }

    @Test
    void missingFileNamesTheKeyAndTheFix(@TempDir Path tmp) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.load(tmp.resolve("none.zip").toUri().toString()));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("pocketflow.model.path"), e.getMessage());
    }

    @Test
    void fileThatIsNotAModelSaysHowToSaveOne(@TempDir Path tmp) throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.zip"), "this is not a zip");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(junk.toUri().toString()));
        assertTrue(e.getMessage().contains("not a DL4J ComputationGraph zip"), e.getMessage());
    }
}
