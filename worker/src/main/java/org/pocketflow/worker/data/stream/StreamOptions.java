package org.pocketflow.worker.data.stream;

import java.io.Serializable;
import java.util.List;

/**
 * How a streamed data set is read ({@code pocketflow.data.*}): built on the driver from the
 * validated configuration, shipped inside the task. Immutable.
 *
 * @param format      {@code image-folder} or {@code tfrecord} ({@code idx} is read whole, not streamed)
 * @param imageSize   the network input's height and width
 * @param channels    1 to decode to grey, 3 to decode to RGB
 * @param classes     number of classes for TFRecord shards (image folders count their class folders); 0 = unknown
 * @param labelOffset the label that TFRecord shards store for the first class (1 in TensorFlow's ImageNet shards)
 * @param skipCorrupt skip and count unreadable images and truncated shards instead of failing
 * @param threads     decoding threads; 0 = one per core of the machine that reads
 * @param prefetch    decoded images kept ready ahead of the trainer (bounds memory)
 */
public record StreamOptions(String format, int imageSize, int channels, int classes, int labelOffset,
                            boolean skipCorrupt, int threads, int prefetch) implements Serializable {
    /** The formats read by streaming. */
    public static final List<String> FORMATS = List.of("image-folder", "tfrecord");
    /** IDX data, read whole: the other fields are not used. */
    public static final StreamOptions IDX = new StreamOptions("idx", 1, 1, 0, 0, false, 0, 1);

    /** Checks the values; the configuration layer has already refused bad user input. */
    public StreamOptions {
        if (!FORMATS.contains(format) && !format.equals("idx")) {
            throw new IllegalArgumentException("format must be idx, image-folder or tfrecord, but got " + format);
        }
        if (imageSize < 1 || (channels != 1 && channels != 3) || threads < 0 || prefetch < 1 || classes < 0) {
            throw new IllegalArgumentException("bad stream options " + this);
        }
    }

    /** @return the decoding threads to start on this machine */
    public int decodeThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** @return whether the data is streamed (image folders, TFRecord shards) rather than read whole (IDX) */
    public boolean streamed() {
        return FORMATS.contains(format);
    }
}
