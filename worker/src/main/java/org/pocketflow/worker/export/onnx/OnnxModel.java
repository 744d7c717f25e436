package org.pocketflow.worker.export.onnx;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pocketflow.worker.io.HadoopConf;

/**
 * An exported ONNX model: the serialised {@code ModelProto} and what a caller needs to feed it.
 *
 * @param bytes      the {@code .onnx} file's content
 * @param inputShape shape of input {@value OnnxExporter#INPUT}, -1 for the batch dimension
 * @param storage    per DL4J parameter key, how it is stored: {@code int8 (axis A)} or {@code float}
 */
public record OnnxModel(byte[] bytes, long[] inputShape, Map<String, String> storage) {
    public OnnxModel {
        storage = Collections.unmodifiableMap(new LinkedHashMap<>(storage));
    }

    /** Parameter tensors stored as int8 behind {@code DequantizeLinear}. */
    public long int8Tensors() {
        return storage.values().stream().filter(s -> s.startsWith("int8")).count();
    }

    /**
     * Writes the model to {@code uri} (any Hadoop file system) through a temporary file renamed
     * into place, so a reader never sees half a model; returns the bytes written.
     */
    public long write(String uri) {
        Path path = new Path(URI.create(uri));
        Path tmp = new Path(URI.create(uri + ".tmp"));
        try {
            FileSystem fs = path.getFileSystem(HadoopConf.get());
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
            }
            fs.delete(path, false);
            if (!fs.rename(tmp, path)) {
                throw new IOException("rename of " + tmp + " to " + path + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ONNX model to " + uri, e);
        }
        return bytes.length;
    }
}
