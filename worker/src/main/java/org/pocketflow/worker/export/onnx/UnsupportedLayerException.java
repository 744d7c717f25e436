package org.pocketflow.worker.export.onnx;

/**
 * A network holds a vertex, layer, preprocessor or activation that the ONNX export has no mapping
 * for. The message names the vertex and what it is, so a report can say which part stopped the export.
 */
public final class UnsupportedLayerException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String vertex;

    UnsupportedLayerException(String vertex, String what) {
        super("vertex '" + vertex + "': no ONNX mapping for " + what);
        this.vertex = vertex;
    }

    /** Name of the DL4J vertex that could not be exported. */
    public String vertex() {
        return vertex;
    }
}
