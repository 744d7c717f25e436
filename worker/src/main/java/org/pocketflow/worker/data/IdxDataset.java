package org.pocketflow.worker.data;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf, 2017) read from a folder holding the four IDX files
 * under their standard names, each raw or gzip-compressed ({@code .gz}):
 * {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}. The folder may be a local
 * path, a {@code file://} or an {@code hdfs://} URI.
 *
 * <p>Any other IDX data set under those names is read the same way (EMNIST, a user's own
 * grey images of any size): its classes are the largest label in the two labels files plus one.
 *
 * <p>Both splits are read eagerly when the dataset is opened, and the SHA-256 of the four
 * files (in the order above) is computed in the same pass.
 */
public final class IdxDataset implements Dataset {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final String DEFAULT_URI = "file:///usr/share/datasets/fashion-mnist";
    /** Training images, 60,000 x 28 x 28. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** Training labels. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** Test images, 10,000 x 28 x 28. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** Test labels. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** Fashion-MNIST's ten clothing classes (other IDX data sets have as many as their labels say). */
    public static final int CLASSES = 10;

    private static final List<String> FILE_NAMES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    private final String name;
    private final int classes;
    private final ImageSet train;
    private final ImageSet test;
    private final List<String> sourceFiles;
    private final String sha256;

    private IdxDataset(String name, int classes, ImageSet train, ImageSet test, List<String> sourceFiles,
            String sha256) {
        this.name = name;
        this.classes = classes;
        this.train = train;
        this.test = test;
        this.sourceFiles = List.copyOf(sourceFiles);
        this.sha256 = sha256;
    }

    /**
     * Opens the whole dataset.
     *
     * @param folderUri folder holding the four files, e.g. {@link #DEFAULT_URI}
     * @return the loaded dataset
     */
    public static IdxDataset open(String folderUri) {
        return open(folderUri, 0, 0);
    }

    /**
     * Opens the dataset, keeping only the first images of each split when asked (quick runs).
     *
     * @param folderUri  folder holding the four files, e.g. {@link #DEFAULT_URI}
     * @param trainLimit keep the first {@code trainLimit} training images; 0 keeps all
     * @param testLimit  keep the first {@code testLimit} test images; 0 keeps all
     * @return the loaded dataset
     */
    public static IdxDataset open(String folderUri, int trainLimit, int testLimit) {
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("train and test limits must be >= 0 (0 keeps all), but got "
                    + trainLimit + " and " + testLimit);
        }
        HadoopFile folder = HadoopFile.resolve(folderUri, HadoopConf.get());
        if (!folder.isDirectory()) {
            throw notFound(folderUri, "the folder does not exist");
        }
        List<HadoopFile> files = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String name : FILE_NAMES) {
            HadoopFile file = find(folder, name);
            if (file == null) {
                missing.add(name + "[.gz]");
            }
            files.add(file);
        }
        if (!missing.isEmpty()) {
            throw notFound(folderUri, String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " missing");
        }
        MessageDigest digest = sha256Digest();
        int classes = IdxReader.classes(files.get(1), files.get(3));
        ImageSet train = IdxReader.read(files.get(0), files.get(1), classes, trainLimit, digest);
        ImageSet test = IdxReader.read(files.get(2), files.get(3), classes, testLimit, digest);
        if (!train.shape().equals(test.shape())) {
            throw new DatasetException(files.get(2) + ": test images are " + test.shape() + " but training images in "
                    + files.get(0) + " are " + train.shape() + "; both splits must come from the same dataset");
        }
        List<String> sources = files.stream().map(HadoopFile::toString).toList();
        return new IdxDataset(folder.name().isEmpty() ? "idx" : folder.name(), classes, train, test, sources, HexFormat.of().formatHex(digest.digest()));
    }

    private static HadoopFile find(HadoopFile folder, String name) {
        for (String candidate : List.of(name, name + ".gz")) {
            HadoopFile file = folder.child(candidate);
            if (file.isFile()) {
                return file;
            }
        }
        return null;
    }

    private static DatasetException notFound(String folderUri, String what) {
        return new DatasetException("Fashion-MNIST not found at " + folderUri + ": " + what + ". Install it with "
                + "`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; puts it in /usr/share/datasets/fashion-mnist) "
                + "or set pocketflow.data.uri to a folder holding " + TRAIN_IMAGES + "[.gz], " + TRAIN_LABELS + "[.gz], "
                + TEST_IMAGES + "[.gz] and " + TEST_LABELS + "[.gz]");
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no SHA-256, which every Java platform must", e);
        }
    }

    /** The folder's name ({@code fashion-mnist} for the default, {@code emnist} for {@code /data/emnist/}). */
    @Override
    public String name() {
        return name;
    }

    @Override
    public ImageShape shape() {
        return train.shape();
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public ImageSet train() {
        return train;
    }

    @Override
    public ImageSet test() {
        return test;
    }

    @Override
    public List<String> sourceFiles() {
        return sourceFiles;
    }

    @Override
    public String sha256() {
        return sha256;
    }

    @Override
    public String toString() {
        return "IdxDataset[" + name() + ", train " + train.size() + ", test " + test.size() + " x " + shape()
                + ", sha256 " + sha256.substring(0, 12) + "...]";
    }
}
