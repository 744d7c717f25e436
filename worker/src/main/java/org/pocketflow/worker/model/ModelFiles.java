package org.pocketflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.pocketflow.worker.io.AtomicFile;
import org.pocketflow.worker.io.HadoopConf;

/** Reads and writes DL4J ComputationGraph zips on any Hadoop FileSystem URI. */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Loads a user's DL4J ComputationGraph zip.
     *
     * @throws IllegalArgumentException naming the file and the fix when it is missing or is not
     *                                  a ComputationGraph zip
     */
    public static ComputationGraph load(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(HadoopConf.get());
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("model file " + uri + " not found. Fix: point "
                        + "pocketflow.model.path at a DL4J ComputationGraph zip, or leave it empty to train one.");
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

    /**
     * Checks that {@code uri} is a complete DL4J model zip without building the network: every
     * entry is read to its end (which checks its CRC-32) and the configuration and the
     * coefficients are there. Cheap next to loading, so a driver can refuse a bad file before
     * any work starts.
     *
     * @throws IllegalArgumentException naming the file and the fix
     */
    public static void check(String uri) {
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
