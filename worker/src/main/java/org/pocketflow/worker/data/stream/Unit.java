package org.pocketflow.worker.data.stream;

import java.io.Serializable;

/**
 * What one worker reads as a whole: one image file of a class folder, or one TFRecord shard.
 * Data sets are partitioned across workers by unit.
 *
 * @param uri    the file's fully qualified URI
 * @param name   its path inside the data set's folder, e.g. {@code train/n01440764/x.JPEG}: the same
 *               wherever the data set is copied, so the augmentation seeded by it is too
 * @param label  the class of an image file; -1 for a shard, whose records carry their labels
 * @param length the file's length in bytes
 */
public record Unit(String uri, String name, int label, long length) implements Serializable {
    /** @return whether this unit is a shard of records rather than a single image */
    public boolean shard() {
        return label < 0;
    }
}
