package org.pocketflow.worker.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.pocketflow.worker.io.AtomicFile;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Reads and writes DL4J ComputationGraph zips on any Hadoop FileSystem URI; reads DL4J
 * MultiLayerNetwork zips (converted to a ComputationGraph) and Keras HDF5 models ({@link
 * KerasModels}) too.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Loads a user's model: a DL4J ComputationGraph zip, a DL4J MultiLayerNetwork zip (converted),
     * or a Keras model saved as HDF5 (recognised by its signature, whatever the file is called).
     * Frozen layers come back as the layers they wrap (compression fine-tunes every layer).
     *
     * @throws IllegalArgumentException naming the file and the fix when it is missing or is
     *                                  neither of the two
     */
    public static ComputationGraph load(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(HadoopConf.get());
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("model file " + uri + " not found. Fix: point "
                        + "pocketflow.model.path at a DL4J ComputationGraph zip or a Keras .h5 model, or leave it "
                        + "empty to train one.");
            }
            if (isHdf5(fs, path)) {
                return KerasModels.unfrozen(loadKeras(fs, path, uri));
            }
            byte[] zip;
            try (InputStream in = fs.open(path)) {
                zip = in.readAllBytes();
            }
            if (isMultiLayerNetwork(zip)) {
                return KerasModels.unfrozen(
                        KerasModels.named(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), false)));
            }
            return KerasModels.unfrozen(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), false));
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("model file")) {
                throw iae;
            }
            throw new IllegalArgumentException("model file " + uri + " is not a DL4J ComputationGraph zip ("
                    + e.getMessage() + "). Fix: save the ComputationGraph or MultiLayerNetwork with "
                    + "ModelSerializer.writeModel(model, file, false).", e);
        }
    }

    /**
     * Whether the DL4J zip holds a MultiLayerNetwork: its configuration lists layers ({@code confs})
     * where a ComputationGraph's lists {@code vertices}. Such a network is loaded and converted
     * with {@code toComputationGraph()} (same parameters; vertices take the layers' names where they have them).
     */
    private static boolean isMultiLayerNetwork(byte[] zip) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().equals("configuration.json")) {
                    JsonNode conf = new ObjectMapper().readTree(in.readAllBytes());
                    return conf != null && conf.has("confs") && !conf.has("vertices");
                }
            }
        }
        return false;
    }

    /**
     * Why {@code uri} is no model file when it is a folder: a TensorFlow SavedModel (Keras' default
     * format since TensorFlow 2) or the folder a model file lies in.
     */
    private static Optional<String> folderProblem(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(HadoopConf.get());
            if (!fs.exists(path) || !fs.getFileStatus(path).isDirectory()) {
                return Optional.empty();
            }
            boolean savedModel = fs.exists(new Path(path, "saved_model.pb"));
            return Optional.of("model file " + uri + " is a folder" + (savedModel
                    ? " holding a TensorFlow SavedModel, which DL4J cannot import. Fix: save the Keras model as HDF5, "
                            + "model.save('model.h5'), and point pocketflow.model.path at that file"
                    : ". Fix: point pocketflow.model.path at the model file in it (a DL4J .zip or a Keras .h5)"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isKeras(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(HadoopConf.get());
            return fs.exists(path) && isHdf5(fs, path);
        } catch (IOException e) {
            return false;
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
            FileSystem fs = path.getFileSystem(HadoopConf.get());
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

    /**
     * Checks that {@code uri} is a complete DL4J model zip without building the network: every
     * entry is read to its end (which checks its CRC-32) and the configuration and the
     * coefficients are there. Cheap next to loading, so a driver can refuse a bad file before
     * any work starts.
     *
     * @throws IllegalArgumentException naming the file and the fix
     */
    public static void check(String uri) {
        folderProblem(uri).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        Optional<String> keras = kerasProblem(uri);
        if (keras.isPresent()) {
            throw new IllegalArgumentException("model file " + uri + " " + keras.get());
        }
        if (isKeras(uri)) {
            return;
        }
        Path path = new Path(URI.create(uri));
        java.util.Set<String> entries = new java.util.HashSet<>();
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(
                path.getFileSystem(HadoopConf.get()).open(path))) {
            byte[] sink = new byte[1 << 16];
            for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                while (zip.read(sink) >= 0) {
                    // reading to the end verifies the entry's CRC-32
                }
                entries.add(entry.getName());
            }
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("model file " + uri + " not found. Fix: point "
                    + "pocketflow.model.path at a DL4J ComputationGraph zip, or leave it empty to train one.", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + uri + " is not a complete DL4J model zip (truncated or "
                    + "corrupt: " + e.getMessage() + "). Fix: copy or save the model again", e);
        }
        for (String needed : java.util.List.of("configuration.json", "coefficients.bin")) {
            if (!entries.contains(needed)) {
                throw new IllegalArgumentException("model file " + uri + " is not a complete DL4J model zip (no "
                        + needed + (entries.isEmpty() ? "; not a zip at all" : "") + "). Fix: save it with "
                        + "ModelSerializer.writeModel(graph, file, false)");
            }
        }
    }

    /**
     * Writes {@code graph} (without updater state) to {@code uri}, replacing any file there
     * atomically ({@link AtomicFile}): a failed write leaves the old file.
     */
    public static void save(ComputationGraph graph, String uri) {
        try {
            AtomicFile.write(uri, out -> ModelSerializer.writeModel(graph, out, false));
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write model to " + uri, e.getCause());
        }
    }
}
