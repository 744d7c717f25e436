package org.pocketflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

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
            FileSystem fs = path.getFileSystem(new Configuration());
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
