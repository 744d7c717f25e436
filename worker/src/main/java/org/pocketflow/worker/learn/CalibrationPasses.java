package org.pocketflow.worker.learn;

import java.util.Collection;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Forward passes over calibration images in chunks, so that the memory of data-driven settings
 * (LASSO and DCP channel selection, least-squares reconstruction, activation ranges) grows with
 * the network's activations for one chunk and not with the number of images: a forward pass keeps
 * every vertex's output, for ResNet-18 at 224x224 33 MB per image.
 *
 * <p>A chunk holds as many images as keep one pass's activations under {@value #BYTES_PER_PASS}
 * bytes (at least one image). Callers keep only what they sample from each chunk: its activations
 * are freed as soon as the visitor returns, and the C allocator is asked to give freed memory back
 * ({@link NativeHeap}). Stateless.
 */
public final class CalibrationPasses {
    /** Bound on the fp32 activations one forward pass holds. */
    public static final long BYTES_PER_PASS = 256L << 20;

    /** What a pass hands over: the activations of images {@code [from, from + n)}, by vertex name. */
    @FunctionalInterface
    public interface ChunkVisitor {
        void visit(long from, Map<String, INDArray> activations);
    }

    private CalibrationPasses() {
    }

    /** Images per forward pass of the network {@code info} describes. */
    public static long imagesPerPass(ModelInfo info) {
        return imagesPerPass(info, BYTES_PER_PASS);
    }

    /** Images per forward pass of the network {@code info} describes whose activations stay under {@code bytes}. */
    public static long imagesPerPass(ModelInfo info, long bytes) {
        long floats = 0;
        for (LayerInfo layer : info.layers()) {
            long n = 1;
            for (long d : layer.outputShape()) {
                n *= d;
            }
            floats += n;
        }
        return Math.max(1, bytes / Math.max(1, floats * Float.BYTES));
    }

    /**
     * Runs {@code graph} in inference mode over {@code images} ({@code [N, C, H, W]}) in chunks
     * of {@link #imagesPerPass} images, in order, handing each chunk's activations to {@code visitor}.
     *
     * @param info describes {@code graph}, or a network of the same layers with at least as many channels
     */
    public static void forEach(ComputationGraph graph, ModelInfo info, INDArray images, ChunkVisitor visitor) {
        long n = images.size(0);
        long chunk = imagesPerPass(info);
        for (long from = 0; from < n; from += chunk) {
            INDArray part = chunk >= n ? images : images.get(NDArrayIndex.interval(from, Math.min(n, from + chunk)));
            Map<String, INDArray> activations = graph.feedForward(part, false);
            visitor.visit(from, activations);
            release(activations.values(), images);
            NativeHeap.trimNowAndThen();
        }
    }

    /**
     * Frees a chunk's activations now rather than when the garbage collector finds their Java
     * objects: the heap is small next to them, so unreleased chunks piled up off the heap until
     * JavaCPP's byte limit forced a collection (ResNet-18 at 224x224 with DCP's defaults reached
     * 6.4 GB resident that way). The calibration images themselves are kept.
     */
    static void release(Collection<INDArray> activations, INDArray images) {
        for (INDArray a : activations) {
            if (a != null && a != images && a.closeable() && a.data() != images.data()) {
                a.close();
            }
        }
    }
}
