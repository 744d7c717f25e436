package org.pocketflow.worker.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns an {@link ImageSet} into ND4J minibatches. Runs once per training step, so it fills
 * plain {@code float[]} buffers through one 256-entry lookup table per channel (no per-pixel virtual calls,
 * no boxing) and hands each to ND4J in one copy. The host buffers are reused across batches;
 * ND4J copies them into its own memory, so returned batches never share storage.
 */
final class ImageBatchIterator implements Iterator<DataSet> {
    private final byte[] pixels;
    private final byte[] labels;
    private final int[] order;
    private final int batchSize;
    private final float[][] tables;
    private final int plane;
    private final int imagePixels;
    private final int classes;
    private final long[] imageDims;
    private float[] featureBuffer;
    private float[] labelBuffer;
    private int next;

    /** @param order positions to visit, or null for the set's own order */
    ImageBatchIterator(ImageSet set, int[] order, int batchSize, float[][] tables) {
        this.pixels = set.rawPixels();
        this.labels = set.rawLabels();
        this.order = order;
        this.batchSize = batchSize;
        this.tables = tables;
        this.plane = set.shape().height() * set.shape().width();
        this.imagePixels = set.shape().pixels();
        this.classes = set.classes();
        this.imageDims = new long[] {set.shape().channels(), set.shape().height(), set.shape().width()};
    }

    @Override
    public boolean hasNext() {
        return next < labels.length;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no batch left: all " + labels.length + " images were returned");
        }
        int b = Math.min(batchSize, labels.length - next);
        int featureLength = b * imagePixels;
        int labelLength = b * classes;
        if (featureBuffer == null || featureBuffer.length != featureLength) {
            featureBuffer = new float[featureLength];
            labelBuffer = new float[labelLength];
        } else {
            Arrays.fill(labelBuffer, 0f);
        }
        float[] f = featureBuffer;
        float[] l = labelBuffer;
        for (int r = 0; r < b; r++) {
            int image = order == null ? next + r : order[next + r];
            int src = image * imagePixels;
            int dst = r * imagePixels;
            for (int c = 0, k = 0; c < tables.length; c++) {
                float[] lut = tables[c];
                for (int end = k + plane; k < end; k++) {
                    f[dst + k] = lut[pixels[src + k] & 0xFF];
                }
            }
            l[r * classes + (labels[image] & 0xFF)] = 1f;
        }
        next += b;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray features = Nd4j.create(f, new long[] {b, imageDims[0], imageDims[1], imageDims[2]}, 'c');
            INDArray oneHot = Nd4j.create(l, new long[] {b, classes}, 'c');
            return new DataSet(features, oneHot);
        }
    }
}
