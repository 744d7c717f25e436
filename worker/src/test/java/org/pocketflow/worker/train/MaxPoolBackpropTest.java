package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/** {@link MaxPoolBackprop} against DL4J's oneDNN {@code maxpool2d_bp}: the same gradients, bit for bit. */
class MaxPoolBackpropTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true));
    }

    @Test
    void backwardEqualsDl4jsBitForBitTiesIncluded() {
        // {n, c, h, w, kernel, stride, same mode}: LeNet's two layers, sizes the windows do not tile, a 3x3
        // kernel, an overlapping window (DL4J's, through the wrapper) and "same" mode on a tiled input
        int[][] cases = {{32, 20, 24, 24, 2, 2, 0}, {32, 50, 8, 8, 2, 2, 0}, {3, 4, 7, 9, 2, 2, 0}, {2, 3, 9, 9, 3, 3, 0},
                {2, 3, 8, 8, 3, 1, 0}, {2, 3, 8, 8, 2, 2, 1}};
        MKLDNNSubsamplingHelper stock = new MKLDNNSubsamplingHelper(DataType.FLOAT);
        MaxPoolBackprop mine = new MaxPoolBackprop(stock);
        for (int[] c : cases) {
            int[] kernel = {c[4], c[4]};
            int[] stride = {c[5], c[5]};
            ConvolutionMode mode = c[6] == 1 ? ConvolutionMode.Same : ConvolutionMode.Truncate;
            // a ReLU's output: about half exact zeros, so many windows tie
            INDArray x = Nd4j.randn(DataType.FLOAT, c[0], c[1], c[2], c[3]).gt(0).castTo(DataType.FLOAT)
                    .muli(Nd4j.randn(DataType.FLOAT, c[0], c[1], c[2], c[3]));
            x.muli(x.gt(0).castTo(DataType.FLOAT));
            long oh = mode == ConvolutionMode.Same ? (c[2] + c[5] - 1) / c[5] : (c[2] - c[4]) / c[5] + 1;
            long ow = mode == ConvolutionMode.Same ? (c[3] + c[5] - 1) / c[5] : (c[3] - c[4]) / c[5] + 1;
            INDArray eps = Nd4j.randn(DataType.FLOAT, c[0], c[1], oh, ow);
            INDArray want = stock.backpropGradient(x.dup(), eps.dup(), kernel, stride, new int[] {0, 0}, PoolingType.MAX,
                    mode, new int[] {1, 1}, CNN2DFormat.NCHW, LayerWorkspaceMgr.noWorkspaces()).getSecond();
            INDArray got = mine.backpropGradient(x.dup(), eps.dup(), kernel, stride, new int[] {0, 0}, PoolingType.MAX,
                    mode, new int[] {1, 1}, CNN2DFormat.NCHW, LayerWorkspaceMgr.noWorkspaces()).getSecond();
            assertEquals(0, want.neq(got).castTo(DataType.INT).sumNumber().intValue(), java.util.Arrays.toString(c));
            assertEquals(c[4] == c[5], MaxPoolBackprop.covers(x, eps, kernel, stride, new int[] {0, 0}, PoolingType.MAX,
                    mode, new int[] {1, 1}, CNN2DFormat.NCHW), "computed here where the windows tile the input");
        }
    }

    @Test
    void lenetTrainsExactlyAsWithDl4jsPoolingBackward() {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph mine = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 5), spec, 10);
        assertEquals(2, MaxPoolBackprop.install(mine), "the trainer installs it on pool1 and pool2");
        ComputationGraph stock = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 5), spec, 10);
        MaxPoolBackprop.uninstall(stock);
        assertFalse(MaxPoolBackprop.usedBy(stock));
        for (DataSet b : batches(8, 32, 6)) {
            mine.fit(b);
            stock.fit(b);
        }
        assertEquals(0, stock.params().neq(mine.params()).castTo(DataType.INT).sumNumber().intValue(), "parameters");
        ComputationGraph copy = new ComputationGraph(mine.getConfiguration().clone());
        copy.init(mine.params(), false);
        Trainer.useFasterBackpropAs(mine, copy);
        assertTrue(MaxPoolBackprop.usedBy(copy), "a replica copy gets it");
        assertEquals(0, MaxPoolBackprop.install(Architecture.RESNET20.factory().create(MNIST, 10, 1)),
                "ResNet-20 pools globally");
    }

    private static List<DataSet> batches(int count, int size, long seed) {
        Random rnd = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray f = Nd4j.randn(DataType.FLOAT, size, 1, 28, 28);
            INDArray l = Nd4j.zeros(DataType.FLOAT, size, 10);
            for (int i = 0; i < size; i++) {
                l.putScalar(i, rnd.nextInt(10), 1f);
            }
            out.add(new DataSet(f, l));
        }
        return out;
    }
}
