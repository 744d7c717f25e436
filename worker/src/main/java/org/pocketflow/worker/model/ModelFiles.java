package org.pocketflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Reads and writes DL4J ComputationGraph zips on any Hadoop FileSystem URI; reads Keras HDF5
 * models too ({@link KerasModels}).
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Loads a user's model: a DL4J ComputationGraph zip, or a Keras model saved as HDF5
     * (recognised by its signature, whatever the file is called).
     *
     * @throws IllegalArgumentException naming the file and the fix when it is missing or is
     *                                  neither of the two
     */
    public static ComputationGraph load(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(new Configuration());
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("model file " + uri + " not found. Fix: point "
                        + "pocketflow.model.path at a DL4J ComputationGraph zip or a Keras .h5 model, or leave it "
                        + "empty to train one.");
            }
            if (isHdf5(fs, path)) {
                return loadKeras(fs, path, uri);
            }
            try (InputStream in = fs.open(path)) {
                return ModelSerializer.restoreComputationGraph(in, false);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("model file")) {
                throw iae;
            }
            throw new IllegalArgumentException("model file " + uri + " is not a DL4J ComputationGraph zip ("
                    + e.getMessage() + "). Fix: save it with ModelSerializer.writeModel(graph, file, false); "
                    + "MultiLayerNetwork models must be converted with toComputationGraph() first.", e);
        }
    }

    private static boolean isHdf5(FileSystem fs, Path path) throws IOException {
        byte[] head = new byte[8];
        try (InputStream in = fs.open(path)) {
            return in.readNBytes(head, 0, head.length) == head.length && KerasModels.isHdf5(head);
        }
    }

    /**
     * Why the Keras model at {@code uri} cannot be imported, with the fix; empty when it can be,
     * or when the file is missing or no HDF5 file (a DL4J zip is read on the executor).
     */
    public static Optional<String> kerasProblem(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(new Configuration());
            if (!fs.exists(path) || !isHdf5(fs, path)) {
                return Optional.empty();
            }
            importKeras(fs, path);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(kerasFailure(e));
        }
    }

    private static ComputationGraph loadKeras(FileSystem fs, Path path, String uri) {
        try {
            return importKeras(fs, path);
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + uri + " " + kerasFailure(e), e);
        }
    }

    private static String kerasFailure(IOException e) {
        return "is not a Keras model DL4J can import: " + e.getMessage() + ". Fix: save the model with Keras 2's "
                + "model.save(path) (HDF5: architecture, weights and training configuration), or convert it to a "
                + "DL4J ComputationGraph zip.";
    }

    /** HDF5 is read through a native library that wants a local file: a copy is made when the file is elsewhere. */
    private static ComputationGraph importKeras(FileSystem fs, Path path) throws IOException {
        java.nio.file.Path local = Files.createTempFile("pocketflow-keras-", ".h5");
        try {
            try (InputStream in = fs.open(path)) {
                Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            }
            return KerasModels.importLocal(local);
        } finally {
            Files.deleteIfExists(local);
        }
    }

    /** Writes {@code graph} (without updater state) to {@code uri}, replacing any file there. */
    public static void save(ComputationGraph graph, String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(new Configuration());
            try (OutputStream out = fs.create(path, true)) {
                ModelSerializer.writeModel(graph, out, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + uri, e);
        }
    }
}
