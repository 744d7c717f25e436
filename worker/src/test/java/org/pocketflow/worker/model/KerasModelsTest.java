package org.pocketflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.pocketflow.worker.data.ImageShape;

/**
 * Keras HDF5 models (written by {@code src/test/resources/keras/make_keras_models.py} in the
 * Keras 2 layout, checked in) import to graphs that compute what numpy computed with the same
 * weights, on the project's channels-first images.
 */
class KerasModelsTest {
    private static final Path DIR = Path.of("src/test/resources/keras");

    private static String uri(String file) {
        return DIR.resolve(file).toAbsolutePath().toUri().toString();
    }

    private static JsonNode expected() throws Exception {
        return new ObjectMapper().readTree(DIR.resolve("expected-outputs.json").toFile());
    }

    /** The reference inputs, NHWC in the file, as the project's NCHW batch. */
    private static INDArray inputs(JsonNode expected) {
        JsonNode x = expected.get("inputsNhwc");
        float[] flat = new float[x.size() * 28 * 28];
        int i = 0;
        for (JsonNode image : x) {
            for (JsonNode row : image) {
                for (JsonNode pixel : row) {
                    flat[i++] = (float) pixel.get(0).asDouble();
                }
            }
        }
        // one channel: NHWC [n, 28, 28, 1] and NCHW [n, 1, 28, 28] hold the pixels in the same order
        return Nd4j.create(flat, new long[]{x.size(), 1, 28, 28}, 'c');
    }

    private static float[] outputs(JsonNode expected, String file) {
        List<Float> v = new ArrayList<>();
        expected.at("/outputs").get(file).forEach(row -> row.forEach(p -> v.add((float) p.asDouble())));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"keras-sequential-cnn.h5", "keras-functional-concat-add.h5"})
    void importedModelComputesWhatNumpyComputed(String file, @TempDir Path tmp) throws Exception {
        JsonNode expected = expected();
        ComputationGraph g = ModelFiles.load(uri(file));
        INDArray x = inputs(expected);
        float[] want = outputs(expected, file);
        assertArrayEquals(want, g.outputSingle(false, x).castTo(DataType.FLOAT).data().asFloat(), 1e-4f, file);

        // what the job does next: model.zip written, read back, described
        String zip = tmp.resolve("model.zip").toUri().toString();
        ModelFiles.save(g, zip);
        ComputationGraph back = ModelFiles.load(zip);
        assertArrayEquals(want, back.outputSingle(false, x).castTo(DataType.FLOAT).data().asFloat(), 1e-4f, file);
        ModelInfo info = ModelInfo.of(back, new ImageShape(1, 28, 28));
        assertTrue(info.totalMacs() > 0 && info.totalParameters() == g.numParams(), info.layers().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"keras-sequential-cnn.h5", "keras-functional-concat-add.h5"})
    void importedModelHasFiniteGradientsAndLearns(String file) throws Exception {
        ComputationGraph g = ModelFiles.load(uri(file));
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 10);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, i % 10, 1);
        }
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        double before = g.score();
        g.gradient().gradientForVariable().forEach((k, v) ->
                assertTrue(Double.isFinite(v.norm2Number().doubleValue()), file + ": gradient of " + k + " is " + v.norm2Number()));
        for (int i = 0; i < 30; i++) {
            g.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        assertTrue(g.score() < before, file + ": loss " + before + " -> " + g.score() + " on one batch");
    }

    @Test
    void sequentialLayersKeepTheirKerasNames() {
        ComputationGraph g = ModelFiles.load(uri("keras-sequential-cnn.h5"));
        assertEquals(6810, g.numParams());
        assertEquals(java.util.Set.of("conv1", "pool1", "dense"), g.getConfiguration().getVertices().keySet());
        assertEquals(List.of("dense"), g.getConfiguration().getNetworkOutputs(), "the loss joined the dense layer");
        assertTrue(g.getOutputLayer(0).conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.OutputLayer);
    }

    @Test
    void hdf5FileThatIsNoKerasModelIsRefusedNamingTheFile(@TempDir Path tmp) throws Exception {
        String bad = uri("not-a-keras-model.h5");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(bad));
        assertTrue(e.getMessage().contains(bad) && e.getMessage().contains("model_config"), e.getMessage());
        Path renamed = tmp.resolve("weights.bin");
        Files.copy(DIR.resolve("keras-sequential-cnn.h5"), renamed);
        assertEquals(6810, ModelFiles.load(renamed.toUri().toString()).numParams(), "recognised by content, not name");
    }
}
