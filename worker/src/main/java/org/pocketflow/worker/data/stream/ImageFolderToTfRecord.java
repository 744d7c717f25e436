package org.pocketflow.worker.data.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.pocketflow.worker.data.HadoopFile;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Converts an image folder in the ImageNet layout into TFRecord shards in TensorFlow's ImageNet
 * layout: {@code train-NNNNN-of-NNNNN} from {@code train/} (images shuffled by the seed across
 * shards) and {@code validation-NNNNN-of-NNNNN} from {@code val/}, each record a
 * {@code tf.train.Example} with the file's bytes as {@code image/encoded} and the class index
 * plus the label offset as {@code image/class/label}. Shards are written atomically.
 *
 * <pre>bench/bin/run org.pocketflow.worker.data.stream.ImageFolderToTfRecord IN OUT [images-per-shard] [label-offset] [seed]</pre>
 */
public final class ImageFolderToTfRecord {
    private static final Configuration CONF = HadoopConf.get();

    private ImageFolderToTfRecord() {
    }

    /**
     * Command line: input folder, output folder, images per shard (default 1024), label offset
     * (default 1, as TensorFlow's ImageNet shards), seed (default 0).
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ImageFolderToTfRecord IN_FOLDER OUT_FOLDER [images-per-shard=1024] "
                    + "[label-offset=1] [seed=0]");
            System.exit(2);
        }
        int perShard = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        int offset = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 0;
        long t0 = System.nanoTime();
        int[] shards = convert(args[0], args[1], perShard, offset, seed);
        System.out.printf("wrote %d train and %d validation shards to %s in %.1f s%n", shards[0], shards[1], args[1],
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * @param in       the image folder (train/, val/)
     * @param out      the folder to write the shards into (created when missing)
     * @param perShard images per shard, at least 1
     * @param offset   added to each class index (1 = TensorFlow's ImageNet convention)
     * @param seed     shuffles the training images across shards
     * @return the number of train and validation shards written
     */
    public static int[] convert(String in, String out, int perShard, int offset, long seed) {
        if (perShard < 1) {
            throw new IllegalArgumentException("images per shard must be >= 1, but got " + perShard);
        }
        StreamingDataset data = StreamingDataset.open(in, new StreamOptions("image-folder", 1, 3, 0, 0, false, 1, 1),
                0.0, seed, 0, 0);
        HadoopFile folder = HadoopFile.resolve(out, HadoopConf.get());
        List<Unit> train = StreamingDataset.partition(data.train(), seed, 0, 0, 1);
        return new int[] {write(folder, "train", train, perShard, offset), write(folder, "validation", data.test(),
                perShard, offset)};
    }

    private static int write(HadoopFile folder, String name, List<Unit> images, int perShard, int offset) {
        int shards = Math.max(1, (images.size() + perShard - 1) / perShard);
        for (int s = 0; s < shards; s++) {
            List<Unit> part = images.subList(Math.min(images.size(), s * perShard),
                    Math.min(images.size(), (s + 1) * perShard));
            HadoopFile shard = folder.child(String.format("%s-%05d-of-%05d", name, s, shards));
            try {
                shard.writeAtomically(o -> writeShard(o, part, offset));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + shard + ": " + e.getMessage(), e);
            }
        }
        return shards;
    }

    private static void writeShard(OutputStream o, List<Unit> part, int offset) throws IOException {
        for (Unit u : part) {
            byte[] bytes;
            try (InputStream in = HadoopFile.resolve(u.uri(), CONF).open()) {
                bytes = in.readAllBytes();
            }
            TfRecords.write(o, ExampleCodec.encode(bytes, u.label() + offset));
        }
    }
}
