package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

class L1ChannelSelectorTest extends ChannelSelectorContract {
    @Override
    ChannelSelector selector() {
        return new L1ChannelSelector();
    }

    @Test
    void keepsTheFiltersWithTheLargestL1Norm() {
        ComputationGraph g = Networks.create(Architecture.LENET, 1);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        INDArray w = g.getLayer("conv2").getParam("W");
        for (int c : new int[]{33, 7, 20}) {
            w.get(NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).muli(100);
        }
        assertArrayEquals(new int[]{7, 20, 33}, selector().select(g, info, info.groupOf("conv2"), 3));
    }

    @Test
    void denseProducersAreScoredByColumn() {
        ComputationGraph g = Networks.create(Architecture.LENET, 1);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        g.getLayer("fc1").getParam("W").getColumn(42).muli(100);
        assertArrayEquals(new int[]{42}, selector().select(g, info, info.groupOf("fc1"), 1));
    }

    @Test
    void residualGroupsSumTheNormsOfAllProducers() {
        ComputationGraph g = Networks.create(Architecture.RESNET20, 2);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelGroup stage2 = info.groupOf("s2b1_proj_conv");
        double[] expected = new double[32];
        for (String producer : stage2.producers()) {
            INDArray w = Transforms.abs(g.getLayer(producer).getParam("W"), true);
            for (int c = 0; c < 32; c++) {
                expected[c] += w.get(NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.all()).sumNumber().doubleValue();
            }
        }
        assertArrayEquals(expected, L1ChannelSelector.scores(g, info, stage2), 1e-4);
        assertEquals(4, stage2.producers().size());
        // channel 5 is silent in the projection but the strongest in a residual branch: it must be kept
        g.getLayer("s2b1_proj_conv").getParam("W").get(NDArrayIndex.point(5), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all()).assign(0);
        g.getLayer("s2b3_b_conv").getParam("W").get(NDArrayIndex.point(5), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all()).muli(100);
        assertArrayEquals(new int[]{5}, selector().select(g, info, stage2, 1));
    }

    @Test
    void tiesKeepTheLowerIndex() {
        ComputationGraph g = Networks.create(Architecture.LENET, 1);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        g.getLayer("conv1").getParam("W").assign(0.5);
        assertArrayEquals(new int[]{0, 1, 2}, selector().select(g, info, info.groupOf("conv1"), 3));
    }
}
