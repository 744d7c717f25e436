package org.pocketflow.worker.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.data.ImageShape;

class BackendTest {
    @AfterEach
    void restore() {
        Backend.configure(true);
    }

    @Test
    void convolutionLayerUsesOnednnHelperWhenEnabled() {
        assertTrue(Backend.configure(true), "oneDNN should be active with the project's JVM flags and shim");
        ComputationGraph g = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 1);
        g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28));
        ConvolutionLayer conv = (ConvolutionLayer) g.getLayer("conv1");
        assertInstanceOf(MKLDNNConvHelper.class, conv.getHelper());
    }

    @Test
    void convolutionLayerHasNoHelperWhenDisabled() {
        Backend.configure(false);
        ComputationGraph g = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 1);
        g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28));
        assertNull(((ConvolutionLayer) g.getLayer("conv1")).getHelper());
    }

    @Test
    void configureSetsTheCallingThreadsOpenMpCountToTheDefault() throws InterruptedException {
        AtomicInteger before = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        Thread t = new Thread(() -> {
            Backend.setThreads(7); // as ND4J 1.0.0-M2 leaves its initialising thread: a count unrelated to the cores
            before.set(Backend.threads());
            Backend.configure(true);
            after.set(Backend.threads());
        });
        t.start();
        t.join();
        assertEquals(7, before.get());
        assertEquals(Backend.defaultThreads(), after.get());
        assertTrue(Backend.defaultThreads() >= 1);
    }

    @Test
    void describeReportsTheCallingThreadsOpenMpCount() {
        Backend.configure(true);
        assertEquals(String.valueOf(Backend.defaultThreads()), Backend.describe().get("omp.threads"));
    }
}
