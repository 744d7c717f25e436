package org.pocketflow.worker.data.stream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.apache.hadoop.conf.Configuration;
import org.pocketflow.worker.data.DatasetException;
import org.pocketflow.worker.data.HadoopFile;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.runtime.Seeds;
import org.pocketflow.worker.io.HadoopConf;

/**
 * A data set too large for the heap, listed once and then streamed: an image folder in the
 * ImageNet layout or TFRecord shards in TensorFlow's ImageNet layout, read through Hadoop FS.
 *
 * <ul>
 *   <li>{@code image-folder}: {@code train/<class>/*.{jpg,jpeg,png}} and {@code val/<class>/...};
 *       classes are the folder names in sorted order (as torchvision's {@code ImageFolder}), labels
 *       their index; hidden entries (names starting with a dot: {@code .ipynb_checkpoints}, macOS's
 *       {@code ._x.jpg}) are neither classes nor images. The validation split is carved from
 *       {@code train/} per class by the seed, as for IDX; {@code val/} is the test split.</li>
 *   <li>{@code tfrecord}: shards {@code train-*} and {@code validation-*} of {@code tf.train.Example}
 *       records with {@code image/encoded} and {@code image/class/label} (minus the label offset).
 *       The validation split is whole training shards chosen by the seed; {@code validation-*} is
 *       the test split.</li>
 * </ul>
 *
 * <p>Only the listing (and, for shards, a count of records from their headers) is held; images
 * are read by {@link StreamingBatches}. Immutable once opened. {@link #sha256()} covers the
 * listing (relative names and lengths), not the bytes, so opening ImageNet reads no pixels.
 */
public final class StreamingDataset {
    private static final long LIMIT = 0x5EED_00A2L;

    private final String name;
    private final StreamOptions options;
    private final ImageShape shape;
    private final int classes;
    private final List<String> classNames;
    private final List<Unit> train;
    private final List<Unit> validation;
    private final List<Unit> test;
    private final long[] counts;
    private final String sha256;

    private StreamingDataset(String name, StreamOptions options, List<String> classNames, List<Unit> train,
                             List<Unit> validation, List<Unit> test, long[] counts, String sha256) {
        this.name = name;
        this.options = options;
        this.shape = new ImageShape(options.channels(), options.imageSize(), options.imageSize());
        this.classes = classNames.size();
        this.classNames = List.copyOf(classNames);
        this.train = List.copyOf(train);
        this.validation = List.copyOf(validation);
        this.test = List.copyOf(test);
        this.counts = counts;
        this.sha256 = sha256;
    }

    /**
     * Lists the data set and splits it.
     *
     * @param uri                the folder (local path or Hadoop URI)
     * @param options            format, input size, channels, labels
     * @param validationFraction share of the training data held out (per class, or in whole shards)
     * @param seed               the split's seed
     * @param trainLimit         image folders: keep this many training images chosen by the seed; 0 = all
     * @param testLimit          image folders: keep this many test images chosen by the seed; 0 = all
     * @return the listed data set
     */
    public static StreamingDataset open(String uri, StreamOptions options, double validationFraction, long seed,
                                        int trainLimit, int testLimit) {
        HadoopFile root = HadoopFile.resolve(uri, HadoopConf.get());
        if (!root.isDirectory()) {
            throw new DatasetException(uri + ": the folder does not exist. Fix: point pocketflow.data.uri at "
                    + layout(options.format()));
        }
        return options.format().equals("tfrecord") ? shards(root, options, validationFraction, seed)
                : folders(root, options, validationFraction, seed, trainLimit, testLimit);
    }

    private static StreamingDataset folders(HadoopFile root, StreamOptions o, double fraction, long seed,
                                            int trainLimit, int testLimit) {
        HadoopFile trainDir = root.child("train");
        HadoopFile valDir = root.child("val");
        if (!trainDir.isDirectory() || !valDir.isDirectory()) {
            throw new DatasetException(root + ": no " + (trainDir.isDirectory() ? "val/" : "train/")
                    + " folder. Fix: point pocketflow.data.uri at " + layout(o.format()));
        }
        List<String> classNames = trainDir.list().stream().filter(f -> !hidden(f) && f.isDirectory())
                .map(HadoopFile::name).toList();
        if (classNames.isEmpty()) {
            throw new DatasetException(trainDir + ": no class folders. Fix: put each class's images in "
                    + "train/<class>/ (" + layout(o.format()) + ")");
        }
        List<List<Unit>> byClass = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            byClass.add(images(trainDir.child(classNames.get(c)), "train/" + classNames.get(c) + "/", c));
        }
        List<Unit> test = new ArrayList<>();
        for (HadoopFile dir : valDir.list()) {
            if (hidden(dir) || !dir.isDirectory()) {
                continue;
            }
            int c = classNames.indexOf(dir.name());
            if (c < 0) {
                throw new DatasetException(dir + ": class " + dir.name() + " has no folder under train/. Fix: use "
                        + "the same class folders in train/ and val/");
            }
            test.addAll(images(dir, "val/" + dir.name() + "/", c));
        }
        SplittableRandom rng = Seeds.stream(seed, Seeds.SPLIT, 0);
        List<Unit> train = new ArrayList<>();
        List<Unit> validation = new ArrayList<>();
        for (List<Unit> members : byClass) {
            List<Unit> shuffled = shuffled(members, rng);
            int take = (int) Math.round(fraction * shuffled.size());
            validation.addAll(shuffled.subList(0, take));
            train.addAll(shuffled.subList(take, shuffled.size()));
        }
        List<Unit> limitedTrain = limit(train, trainLimit, Seeds.stream(seed, LIMIT, 0));
        List<Unit> limitedTest = limit(test, testLimit, Seeds.stream(seed, LIMIT, 1));
        return new StreamingDataset(root.name(), o, classNames, limitedTrain, validation, limitedTest,
                new long[] {limitedTrain.size(), validation.size(), limitedTest.size()},
                listingHash(byClass.stream().flatMap(List::stream).toList(), test));
    }

    /**
     * Whether a folder entry is hidden ({@code .ipynb_checkpoints}, {@code .DS_Store}, a {@code
     * .Trash}): never a class, never an image.
     */
    private static boolean hidden(HadoopFile f) {
        return f.name().startsWith(".");
    }

    private static List<Unit> images(HadoopFile dir, String prefix, int label) {
        List<Unit> units = new ArrayList<>();
        for (HadoopFile f : dir.list()) {
            String n = f.name().toLowerCase(Locale.ROOT);
            if (!n.startsWith(".") && (n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png"))) {
                units.add(new Unit(f.toString(), prefix + f.name(), label, f.length()));
            }
        }
        return units;
    }

    private static StreamingDataset shards(HadoopFile root, StreamOptions o, double fraction, long seed) {
        if (o.classes() < 1) {
            throw new DatasetException("TFRecord shards do not say how many classes there are. Fix: set "
                    + "pocketflow.data.classes (1000 for ImageNet with pocketflow.data.label-offset = 1)");
        }
        List<Unit> trainShards = new ArrayList<>();
        List<Unit> testShards = new ArrayList<>();
        for (HadoopFile f : root.list()) {
            if (f.name().startsWith("train-")) {
                trainShards.add(new Unit(f.toString(), f.name(), -1, f.length()));
            } else if (f.name().startsWith("validation-")) {
                testShards.add(new Unit(f.toString(), f.name(), -1, f.length()));
            }
        }
        if (trainShards.isEmpty() || testShards.isEmpty()) {
            throw new DatasetException(root + ": no " + (trainShards.isEmpty() ? "train-*" : "validation-*")
                    + " shards. Fix: point pocketflow.data.uri at " + layout(o.format()));
        }
        List<Unit> shuffled = shuffled(trainShards, Seeds.stream(seed, Seeds.SPLIT, 0));
        int held = (int) Math.round(fraction * shuffled.size());
        if (fraction > 0 && held == 0 && shuffled.size() > 1) {
            held = 1;
        }
        List<Unit> validation = shuffled.subList(0, held);
        List<Unit> train = trainShards.stream().filter(u -> !validation.contains(u)).toList();
        long[] counts = {records(train, o), records(validation, o), records(testShards, o)};
        List<String> labels = java.util.stream.IntStream.range(0, o.classes()).mapToObj(String::valueOf).toList();
        return new StreamingDataset(root.name(), o, labels, train, validation, testShards, counts,
                listingHash(trainShards, testShards));
    }

    /** Records in the shards, counted from their length headers (the data is skipped, not read). */
    private static long records(List<Unit> shards, StreamOptions o) {
        long total = 0;
        Configuration conf = HadoopConf.get();
        for (Unit u : shards) {
            try (InputStream in = HadoopFile.resolve(u.uri(), conf).open()) {
                total += TfRecords.count(in, u.uri());
            } catch (IOException | DatasetException e) {
                if (!o.skipCorrupt()) {
                    throw e instanceof DatasetException d ? d : new DatasetException(e.getMessage(), e);
                }
            }
        }
        return total;
    }

    private static List<Unit> shuffled(List<Unit> units, SplittableRandom rng) {
        int[] order = new int[units.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Seeds.shuffle(order, rng);
        List<Unit> out = new ArrayList<>(order.length);
        for (int i : order) {
            out.add(units.get(i));
        }
        return out;
    }

    private static List<Unit> limit(List<Unit> units, int limit, SplittableRandom rng) {
        return limit <= 0 || limit >= units.size() ? units : shuffled(units, rng).subList(0, limit);
    }

    /**
     * The part of {@code units} that worker {@code worker} of {@code workers} reads in epoch
     * {@code epoch}: the units shuffled by (seed, epoch), then every {@code workers}-th from
     * position {@code worker}. Disjoint across workers, together complete; a different epoch
     * deals them differently.
     */
    public static List<Unit> partition(List<Unit> units, long seed, int epoch, int worker, int workers) {
        if (workers < 1 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("worker must be in [0, " + workers + "), but got " + worker);
        }
        List<Unit> order = shuffled(units, Seeds.stream(seed, Seeds.EPOCH, epoch));
        List<Unit> mine = new ArrayList<>();
        for (int i = worker; i < order.size(); i += workers) {
            mine.add(order.get(i));
        }
        return mine;
    }

    private static String listingHash(List<Unit> train, List<Unit> test) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (List<Unit> units : List.of(train, test)) {
                for (Unit u : units) {
                    d.update((u.name() + "\t" + u.length() + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no SHA-256, which every Java platform must", e);
        }
    }

    static String layout(String format) {
        return format.equals("tfrecord")
                ? "a folder of TFRecord shards train-NNNNN-of-NNNNN and validation-NNNNN-of-NNNNN"
                : "a folder with train/<class>/*.jpg|png and val/<class>/*.jpg|png (the ImageNet layout)";
    }

    /** @return the folder's name, for reports */
    public String name() {
        return name;
    }

    /** @return the network input: channels x size x size */
    public ImageShape shape() {
        return shape;
    }

    /** @return the number of classes */
    public int classes() {
        return classes;
    }

    /** @return the name of class {@code label}: its folder's name, or the number for TFRecord shards */
    public String className(int label) {
        return classNames.get(label);
    }

    /** @return every class's name, output {@code i} first at {@code i}: the folders' names, or numbers for shards */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * A note when an image folder's classes are numbered folders ({@code 0}, {@code 1}, …,
     * {@code 10}) whose order as text (torchvision's) is not their numeric order, so that output
     * {@code i} is not the {@code i}-th folder by number; empty otherwise (also for folders
     * {@code 1}, {@code 2}, … whose text order is their numeric order).
     */
    public java.util.Optional<String> numberedClassesNote() {
        if (!options.format().equals("image-folder") || !classNames.stream().allMatch(n -> n.matches("\\d{1,9}"))) {
            return java.util.Optional.empty();
        }
        List<String> numeric = classNames.stream().sorted(java.util.Comparator.comparingInt(Integer::parseInt))
                .toList();
        for (int i = 0; i < classNames.size(); i++) {
            if (!classNames.get(i).equals(numeric.get(i))) {
                return java.util.Optional.of("the class folders are numbers, ordered as text as torchvision's "
                        + "ImageFolder orders them, not as numbers: output " + i + " is folder " + classNames.get(i)
                        + " (report.json dataset.classNames lists the folder of every output)");
            }
        }
        return java.util.Optional.empty();
    }

    /** @return how the data is read */
    public StreamOptions options() {
        return options;
    }

    /** @return the training units */
    public List<Unit> train() {
        return train;
    }

    /** @return the validation units, carved from the training data */
    public List<Unit> validation() {
        return validation;
    }

    /** @return the test units ({@code val/} or {@code validation-*}) */
    public List<Unit> test() {
        return test;
    }

    /** @return images in the training split */
    public long trainImages() {
        return counts[0];
    }

    /** @return images in the validation split */
    public long validationImages() {
        return counts[1];
    }

    /** @return images in the test split */
    public long testImages() {
        return counts[2];
    }

    /** @return SHA-256 of the listing: relative names and lengths of every training and test file */
    public String sha256() {
        return sha256;
    }
}
