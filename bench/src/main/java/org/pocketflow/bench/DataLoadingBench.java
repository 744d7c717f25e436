package org.pocketflow.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingBatches;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;

/**
 * Decode plus augmentation throughput of the streamed image-folder path at ImageNet sizes: JPEGs
 * of 375 to 500 pixels a side to 224x224 random resized crops with flips, normalised, batched as
 * ND4J arrays (batch 64), each batch freed once counted. Prints images per second for each pass;
 * asserts nothing.
 *
 * <pre>bench/bin/run DataLoadingBench FOLDER DECODE_THREADS [passes=3]</pre>
 *
 * When FOLDER does not exist, 10 classes x 50 generated JPEGs are written there first.
 * Compare with {@code bench/torchvision_loading.py} on the same folder and cores (taskset).
 */
public final class DataLoadingBench {
    private DataLoadingBench() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        if (!Files.isDirectory(folder)) {
            long bytes = SyntheticImageFolder.write(folder, 10, 50, 1, 375, 500, "jpg", 1);
            System.out.printf("wrote 510 JPEGs (%.1f MB) to %s%n", bytes / 1e6, folder);
        }
        StreamOptions o = new StreamOptions("image-folder", 224, 3, 0, 0, false, threads, 128);
        StreamingDataset d = StreamingDataset.open(folder.toString(), o, 0.0, 1, 0, 0);
        for (int pass = 0; pass < passes; pass++) {
            long t0 = System.nanoTime();
            long images = 0;
            try (StreamingBatches b = new StreamingBatches(d.train(), o, d.classes(), 64, Normalizer.IMAGENET, true, 1,
                    pass, new AtomicLong())) {
                while (b.hasNext()) {
                    DataSet batch = b.next();
                    images += batch.getFeatures().size(0);
                    // done with it: freed now, as the Python loop's batch is when the next one replaces it
                    batch.getFeatures().close();
                    batch.getLabels().close();
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("pass %d: %d images in %.2f s: %.1f images/s with %d decoding thread(s)%n", pass, images,
                    s, images / s, threads);
        }
    }
}
