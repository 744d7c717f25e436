package org.pocketflow.tests;

import java.util.concurrent.atomic.AtomicLong;

import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.train.StreamingEpochs;

/**
 * Reads one training epoch of an image folder at 224x224 and prints {@code images N heap M}: run
 * in a JVM whose heap is smaller than the data set's decoded pixels by {@link StreamingHdfsTest}.
 */
public final class StreamEpochMain {
    private StreamEpochMain() {
    }

    public static void main(String[] args) {
        StreamOptions o = new StreamOptions("image-folder", 224, 3, 0, 0, false, 2, 64);
        StreamingDataset d = StreamingDataset.open(args[0], o, 0.0, 1, 0, 0);
        var epoch = new StreamingEpochs(d.train(), d.trainImages(), o, d.classes(), Normalizer.IMAGENET, 32, 1, 0, 1,
                new AtomicLong()).epoch(0);
        long images = 0;
        long maxUsed = 0;
        while (epoch.hasNext()) {
            var batch = epoch.next();
            images += batch.getFeatures().size(0);
            batch.getFeatures().close();
            batch.getLabels().close();
            Runtime r = Runtime.getRuntime();
            maxUsed = Math.max(maxUsed, r.totalMemory() - r.freeMemory());
        }
        System.out.println("images " + images + " heap " + maxUsed);
    }
}
