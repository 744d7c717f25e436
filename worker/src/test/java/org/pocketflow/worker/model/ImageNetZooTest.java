package org.pocketflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.worker.data.ImageShape;

/** The ImageNet networks of the zoo: published sizes at 224x224, and any input size. */
class ImageNetZooTest {
    private static final ImageShape IMAGENET = new ImageShape(3, 224, 224);

    @Test
    void resnet18MatchesThePublishedParametersAndMacs() {
        // torchvision's resnet18: 11,689,512 trainable parameters; 1.82 G multiply-adds
        ModelInfo info = describe(Architecture.RESNET18);
        assertEquals(11_689_512, trainableParameters(info));
        assertWithin(1.82e9, info.totalMacs(), 0.01);
        assertArrayEquals(new long[]{512, 7, 7}, info.layer("s4b2_relu").outputShape());
    }

    @Test
    void resnet50MatchesThePublishedParametersAndMacs() {
        // torchvision's resnet50: 25,557,032 trainable parameters; 4.1 G multiply-adds
        ModelInfo info = describe(Architecture.RESNET50);
        assertEquals(25_557_032, trainableParameters(info));
        assertWithin(4.1e9, info.totalMacs(), 0.01);
        assertArrayEquals(new long[]{2048, 7, 7}, info.layer("s4b3_relu").outputShape());
        // a bottleneck's two inner widths are groups of their own; the stage's output is one group
        assertEquals(List.of("s3b2_a_conv"), info.groupOf("s3b2_a_conv").producers());
        assertEquals(List.of("s3b2_b_conv"), info.groupOf("s3b2_b_conv").producers());
        assertEquals(Set.of("s4b1_proj_conv", "s4b1_c_conv", "s4b2_c_conv", "s4b3_c_conv"),
                Set.copyOf(info.groupOf("s4b1_c_conv").producers()));
    }

    @Test
    void mobilenetV1MatchesThePublishedParametersAndMacs() {
        // Howard et al. 2017, table 8: 4.2 M parameters, 569 M multiply-adds (Keras: 4,231,976 trainable)
        ModelInfo info = describe(Architecture.MOBILENET_V1);
        assertEquals(4_231_976, trainableParameters(info));
        assertWithin(569e6, info.totalMacs(), 0.01);
        assertArrayEquals(new long[]{1024, 7, 7}, info.layer("b13_pw_relu").outputShape());
        ChannelGroup dw = info.groupOf("b13_dw");
        assertEquals(List.of("b12_pw_conv"), dw.producers());
        assertEquals(List.of("b13_pw_conv"), dw.consumers());
    }

    @Test
    void halfWidthMobilenetV1MatchesThePublishedMacs() {
        // Howard et al. 2017, table 6: 0.50 MobileNet-224, 150 M multiply-adds, 1.3 M parameters
        ModelInfo info = describe(Architecture.MOBILENET_V1_050);
        assertWithin(150e6, info.totalMacs(), 0.02);
        assertWithin(1.33e6, trainableParameters(info), 0.02);
        assertEquals(512, info.layer("b13_pw_conv").channels());
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void buildsForSmallGreyAndColourImages(Architecture arch) {
        for (ImageShape shape : List.of(new ImageShape(1, 28, 28), new ImageShape(3, 32, 32),
                new ImageShape(3, 64, 48))) {
            ComputationGraph g = arch.factory().create(shape, 7, 1);
            INDArray out = g.outputSingle(Nd4j.rand(2, shape.channels(), shape.height(), shape.width()));
            assertArrayEquals(new long[]{2, 7}, out.shape(), arch + " on " + shape);
            ModelInfo info = ModelInfo.of(g, shape);
            assertEquals(g.numParams(), info.totalParameters());
            long last = info.layer("gap").outputShape()[0];
            assertTrue(info.groupOf(lastConv(info)).prunable(), arch + ": last stage prunable");
            assertTrue(last >= 512, arch + " keeps its widths at " + shape);
        }
    }

    @Test
    void smallImagesGetAStemThatKeepsTheResolution() {
        ImageShape cifar = new ImageShape(3, 32, 32);
        ModelInfo resnet = ModelInfo.of(Architecture.RESNET18.factory().create(cifar, 10, 1), cifar);
        assertArrayEquals(new long[]{64, 32, 32}, resnet.layer("stem_relu").outputShape());
        assertArrayEquals(new long[]{512, 4, 4}, resnet.layer("s4b2_relu").outputShape());
        ImageShape small = new ImageShape(3, 64, 64);
        ModelInfo imagenet = ModelInfo.of(Architecture.RESNET18.factory().create(small, 10, 1), small);
        assertArrayEquals(new long[]{64, 16, 16}, imagenet.layer("stem_pool").outputShape());
        ModelInfo mobilenet = ModelInfo.of(Architecture.MOBILENET_V1.factory().create(cifar, 10, 1), cifar);
        assertArrayEquals(new long[]{1024, 2, 2}, mobilenet.layer("b13_pw_relu").outputShape());
    }

    @Test
    void everyConfiguredArchitectureResolvesAndBack() {
        List<String> configured = ModelKeys.ARCH.validator().description().replace("one of ", "")
                .lines().flatMap(l -> List.of(l.split(", ")).stream()).toList();
        for (String name : configured) {
            assertEquals(name, Architecture.of(name).configName());
        }
        assertEquals(configured.size(), Architecture.values().length);
        assertEquals(Architecture.MOBILENET_V1, Architecture.of("MobileNet-V1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.of("resnet101"));
        assertTrue(e.getMessage().contains("resnet18"), e.getMessage());
    }

    private static ModelInfo describe(Architecture arch) {
        return ModelInfo.of(arch.factory().create(IMAGENET, 1000, 1), IMAGENET);
    }

    /** DL4J counts a batch norm's running mean and variance as parameters; published counts do not. */
    private static long trainableParameters(ModelInfo info) {
        long stats = info.layers().stream().filter(l -> l.kind().equals("BatchNormalization"))
                .mapToLong(l -> 2 * l.channels()).sum();
        return info.totalParameters() - stats;
    }

    private static String lastConv(ModelInfo info) {
        List<LayerInfo> convs = info.layers().stream().filter(l -> l.kind().equals("ConvolutionLayer")).toList();
        return convs.get(convs.size() - 1).name();
    }

    private static void assertWithin(double expected, double actual, double relative) {
        assertTrue(Math.abs(actual - expected) <= relative * expected,
                "expected " + expected + " within " + relative * 100 + "%, got " + actual);
    }
}
