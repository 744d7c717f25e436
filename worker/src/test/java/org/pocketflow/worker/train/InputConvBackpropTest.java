package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/** {@link InputConvBackprop} against DL4J's own convolution backward (libnd4j's {@code conv2d_bp}). */
class InputConvBackpropTest {

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true), "the comparison is against DL4J's oneDNN helper");
    }

    @Test
    void installsOnTheConvolutionsThatReadTheInputOnly() {
        ComputationGraph lenet = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 1);
        assertEquals(1, InputConvBackprop.install(lenet));
        assertTrue(((ConvolutionLayer) lenet.getLayer("conv1")).getHelper() instanceof InputConvBackprop);
        assertTrue(((ConvolutionLayer) lenet.getLayer("conv2")).getHelper() instanceof MKLDNNConvHelper);
        InputConvBackprop.uninstall(lenet);
        assertTrue(((ConvolutionLayer) lenet.getLayer("conv1")).getHelper() instanceof MKLDNNConvHelper);
        ComputationGraph resnet = Architecture.RESNET20.factory().create(new ImageShape(1, 28, 28), 10, 1);
        assertEquals(1, InputConvBackprop.install(resnet));
    }

    @Test
    void theWeightGradientIsAConvolutionUnlessSamePaddingIsUneven() {
        assertEquals(5, InputConvBackprop.reach(28, 0, 1, 24), "LeNet's 5x5 conv1: the convolution");
        assertEquals(3, InputConvBackprop.reach(28, 1, 1, 28), "ResNet-20's padded 3x3 stem: the convolution");
        assertEquals(4, InputConvBackprop.reach(10, 0, 2, 4), "3x3/2 over 10 unpadded: one unread column, sliced off");
        // "same" 3x3/2 over 8: 0 padding left, 1 right; DL4J hands over the left one; the matrix product
        assertEquals(2, InputConvBackprop.reach(8, 0, 2, 4));
    }

    @Test
    void trainerInstallsItOnTheGraphsItTrains() {
        TrainingSpec spec = new TrainingSpec(1, 16, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph g = Trainer.withOptimizer(
                Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 1), spec, 10);
        assertTrue(((ConvolutionLayer) g.getLayer("conv1")).getHelper() instanceof InputConvBackprop);
    }

    @Test
    void lenetGradientsEqualStockDl4j() {
        ImageShape mnist = new ImageShape(1, 28, 28);
        sameGradients(Architecture.LENET.factory().create(mnist, 10, 3), mnist, 1, 3);
    }

    @Test
    void resnet20GradientsEqualStockDl4j() {
        // its stem is a padded ("same") 3x3 convolution without bias
        ImageShape mnist = new ImageShape(1, 28, 28);
        sameGradients(Architecture.RESNET20.factory().create(mnist, 10, 4), mnist, 1, 4);
    }

    @Test
    void stridedPaddedMultiChannelConvolutionsSharingTheInputEqualStockDl4j() {
        // two convolutions read the one input: 3 channels, an odd non-square image, a non-square
        // kernel with stride (2, 1) and explicit padding (truncate), and a strided "same" one without bias
        // whose padding is uneven across the width (0 left, 1 right)
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(6)
                .updater(new Nesterovs(0.05, 0.9)).graphBuilder().addInputs("in")
                .addLayer("a", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 5).stride(2, 1)
                        .padding(1, 2).nOut(4).convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU)
                        .build(), "in")
                .addLayer("b", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(5)
                        .hasBias(false).convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "in")
                .addLayer("pa", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "a")
                .addLayer("pb", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "b")
                .addVertex("m", new MergeVertex(), "pa", "pb")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "m")
                .setOutputs("out").setInputTypes(InputType.convolutional(13, 12, 3)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        sameGradients(g, new ImageShape(3, 13, 12), 2, 5);
    }

    @Test
    void aStemWhoseColumnsWouldExceedTheCapRunsDl4jsOwnBackward() {
        // a 7x7/2 stem over 224x224x3: at batch 2 its im2col buffer is 14.8 MB, at batch 12 88 MB (over
        // the cap); below the cap the input's gradient is the zeros this helper hands back, above it DL4J's
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7)
                .updater(new Nesterovs(0.05, 0.9)).graphBuilder().addInputs("in")
                .addLayer("stem", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(7, 7).stride(2, 2)
                        .nOut(4).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "stem")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(224, 224, 3)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.initGradientsView();
        assertEquals(1, InputConvBackprop.install(g));
        for (int batch : new int[]{2, 12}) {
            INDArray f = Nd4j.randn(DataType.FLOAT, batch, 3, 224, 224);
            ConvolutionLayer stem = (ConvolutionLayer) g.getLayer("stem");
            stem.setInput(f, LayerWorkspaceMgr.noWorkspaces());
            INDArray out = stem.activate(true, LayerWorkspaceMgr.noWorkspaces());
            INDArray inputGradient = stem.backpropGradient(Nd4j.randn(DataType.FLOAT, out.shape()),
                    LayerWorkspaceMgr.noWorkspaces()).getSecond();
            long bytes = 4L * batch * 3 * 7 * 7 * 112 * 112;
            double norm = inputGradient.norm2Number().doubleValue();
            if (bytes > InputConvBackprop.MAX_COLUMN_BYTES) {
                assertTrue(norm > 0, "batch " + batch + ": DL4J's backward computes the input's gradient");
            } else {
                assertEquals(0, norm, "batch " + batch + ": this helper's backward, which skips the input's gradient");
            }
        }
    }

    private static void sameGradients(ComputationGraph stock, ImageShape in, int installed, long seed) {
        ComputationGraph mine = stock.clone();
        assertEquals(installed, InputConvBackprop.install(mine));
        Random rnd = new Random(seed);
        for (int step = 0; step < 3; step++) {
            INDArray f = Nd4j.randn(DataType.FLOAT, 32, in.channels(), in.height(), in.width())
                    .addi(rnd.nextGaussian());
            INDArray l = Nd4j.zeros(DataType.FLOAT, 32, 10);
            for (int i = 0; i < 32; i++) {
                l.putScalar(i, rnd.nextInt(10), 1f);
            }
            for (ComputationGraph g : new ComputationGraph[]{stock, mine}) {
                g.setInputs(f);
                g.setLabels(l);
                g.computeGradientAndScore();
            }
            Map<String, INDArray> want = stock.gradient().gradientForVariable();
            Map<String, INDArray> got = mine.gradient().gradientForVariable();
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                INDArray w = want.get(k).castTo(DataType.DOUBLE);
                double diff = w.sub(got.get(k).castTo(DataType.DOUBLE)).norm2Number().doubleValue();
                double norm = w.norm2Number().doubleValue();
                assertTrue(diff <= 1e-5 * norm, "gradient " + k + ": |difference| " + diff + " against "
                        + norm);
            }
            // and the same update when the steps are taken
            stock.fit(new DataSet(f, l));
            mine.fit(new DataSet(f, l));
            double diff = stock.params().sub(mine.params()).norm2Number().doubleValue();
            assertTrue(diff <= 1e-5 * stock.params().norm2Number().doubleValue(), "parameters after step " + step);
            mine.setParams(stock.params().dup());
            mine.getUpdater().getStateViewArray().assign(stock.getUpdater().getStateViewArray());
        }
    }
}
