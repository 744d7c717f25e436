package org.pocketflow.worker.data.stream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.DatasetException;
import org.pocketflow.worker.data.HadoopFile;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.runtime.Seeds;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Minibatches streamed from a list of {@link Unit}s: one reader thread opens the files in order
 * through Hadoop FS and hands each encoded image to a pool of decoding threads; at most
 * {@code prefetch} images are in flight or ready, and their encoded bytes waiting for a decoding
 * thread take at most {@link #ENCODED_BYTES_IN_FLIGHT} (one larger image at a time), so memory
 * stays bounded whatever the data set's size and its images' sizes. Batches come out in the
 * units' order, whatever the threads' timing.
 *
 * <p>Training batches are augmented ({@link ImageTransform#train}) with a generator seeded by
 * (seed, epoch, file, record): the same seed gives the same pixels on every run and for any
 * number of threads. Evaluation batches are resized and centre-cropped. Either way the crop is
 * chosen from the image's header and only its window is decoded; each batch's pixels are scaled
 * straight into the native memory of its feature array.
 *
 * <p>An unreadable image or a truncated shard fails the iteration with the file's name, or,
 * with {@code skipCorrupt}, is skipped and counted in {@code corrupt}. The iterator belongs to
 * one thread; {@link #close} stops the reader and the pool early (they are daemon threads and
 * stop by themselves at the end).
 */
public final class StreamingBatches implements Iterator<DataSet>, AutoCloseable {
    private static final long AUGMENT = 0x5EED_00A1L;
    private static final Sample END = new Sample(null, -1, null);
    /** Bound on the encoded bytes read but not yet decoded: 32 images of 1 MB, about 300 of ImageNet's. */
    static final int ENCODED_BYTES_IN_FLIGHT = 32 << 20;

    /** One image on its way: the decoded CHW bytes (null when skipped), its label, or a failure. */
    private record Sample(Future<byte[]> pixels, int label, RuntimeException failure) {
    }

    private final List<Unit> units;
    private final StreamOptions options;
    private final int classes;
    private final int batchSize;
    private final float[][] tables;
    private final boolean train;
    private final long seed;
    private final int epoch;
    private final AtomicLong corrupt;
    private final ImageDecoder decoder;
    private final ImageTransform transform;
    private final BlockingQueue<Sample> queue;
    private final ExecutorService pool;
    private final Thread reader;
    /** Permits are encoded bytes that may wait for decoding; the reader takes, the decoders give back. */
    private final Semaphore encodedBytes = new Semaphore(ENCODED_BYTES_IN_FLIGHT);
    /** One configuration for all files: building one parses Hadoop's XML resources. */
    private final Configuration conf = HadoopConf.get();
    private volatile boolean closed;
    private Sample peeked;
    /** One image's scaled pixels on their way into a batch; the iterator belongs to one thread. */
    private final float[] scaled;

    /**
     * Starts reading.
     *
     * @param units      the files or shards, in the order to read them
     * @param options    format, input size, channels, threads, prefetch, skip mode
     * @param classes    number of classes (labels are checked against it)
     * @param batchSize  images per batch
     * @param normalizer the pixel scaling
     * @param train      augment (training) or resize and centre-crop (evaluation)
     * @param seed       the augmentation seed
     * @param epoch      the epoch, for the augmentation
     * @param corrupt    counts the images and shards skipped in skip mode
     */
    public StreamingBatches(List<Unit> units, StreamOptions options, int classes, int batchSize, Normalizer normalizer,
                            boolean train, long seed, int epoch, AtomicLong corrupt) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, but got " + batchSize);
        }
        this.units = List.copyOf(units);
        this.options = options;
        this.classes = classes;
        this.batchSize = batchSize;
        this.tables = normalizer.lookupTables(options.channels());
        this.scaled = new float[options.channels() * options.imageSize() * options.imageSize()];
        this.train = train;
        this.seed = seed;
        this.epoch = epoch;
        this.corrupt = corrupt;
        this.decoder = new ImageDecoder(options.channels());
        this.transform = new ImageTransform(options.imageSize());
        this.queue = new ArrayBlockingQueue<>(options.prefetch());
        this.pool = Executors.newFixedThreadPool(options.decodeThreads(), r -> daemon(r, "pocketflow-decode"));
        this.reader = daemon(this::readAll, "pocketflow-read");
        reader.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void readAll() {
        try {
            for (Unit u : units) {
                if (closed) {
                    return;
                }
                if (u.shard()) {
                    readShard(u);
                } else {
                    byte[] bytes = readFile(u);
                    if (bytes != null) {
                        submit(bytes, u.label(), u.uri(), u.name().hashCode(), 0);
                    }
                }
            }
            put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            try {
                put(new Sample(null, -1, e));
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * A file's bytes. Local files are read directly: opening one through Hadoop's local file system
     * (which looks for a checksum file beside it first) costs about three times the whole read.
     */
    private byte[] readFile(Unit u) {
        try {
            URI uri = new org.apache.hadoop.fs.Path(u.uri()).toUri();
            if ("file".equals(uri.getScheme()) && uri.getAuthority() == null) {
                return Files.readAllBytes(Path.of(uri));
            }
            try (InputStream in = HadoopFile.resolve(u.uri(), conf).open()) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            return failOrSkip(new DatasetException(u.uri() + ": cannot read: " + e.getMessage(), e));
        }
    }

    private void readShard(Unit u) throws InterruptedException {
        TfRecords.Reader records;
        try {
            records = new TfRecords.Reader(HadoopFile.resolve(u.uri(), conf).open(), u.uri());
        } catch (IOException e) {
            failOrSkip(new DatasetException(u.uri() + ": cannot open: " + e.getMessage(), e));
            return;
        }
        try (records) {
            byte[] record;
            while (!closed && (record = nextRecord(records)) != null) {
                int index = records.recordsRead() - 1;
                String origin = u.uri() + " record " + index;
                ExampleCodec.Labelled example;
                try {
                    example = ExampleCodec.decode(record, origin);
                } catch (DatasetException e) {
                    failOrSkip(e);
                    continue;
                }
                long label = example.label() - options.labelOffset();
                if (label < 0 || label >= classes) {
                    throw new DatasetException(origin + ": label " + example.label() + " minus "
                            + "pocketflow.data.label-offset = " + options.labelOffset() + " is outside [0, " + classes
                            + "). Fix: set pocketflow.data.label-offset (1 for TensorFlow's ImageNet shards, 0 for "
                            + "TFDS) and pocketflow.data.classes");
                }
                submit(example.image(), (int) label, origin, u.name().hashCode(), index);
            }
        } catch (IOException e) {
            // closing a shard we only read cannot lose data
        }
    }

    /** The shard's next record; null at its end, or after a torn or corrupt record in skip mode. */
    private byte[] nextRecord(TfRecords.Reader records) {
        try {
            return records.next();
        } catch (IOException e) {
            return failOrSkip(new DatasetException(e.getMessage(), e));
        } catch (DatasetException e) {
            return failOrSkip(e);
        }
    }

    private byte[] failOrSkip(DatasetException e) {
        if (!options.skipCorrupt()) {
            throw e;
        }
        corrupt.incrementAndGet();
        return null;
    }

    private void submit(byte[] encoded, int label, String origin, long file, long record)
            throws InterruptedException {
        int permits = Math.min(encoded.length, ENCODED_BYTES_IN_FLIGHT);
        while (!encodedBytes.tryAcquire(permits, 100, TimeUnit.MILLISECONDS)) {
            if (closed) {
                return;
            }
        }
        Future<byte[]> pixels = pool.submit(() -> {
            try (ImageDecoder.Opened image = decoder.open(encoded, origin)) {
                if (!train) {
                    return transform.eval(image);
                }
                SplittableRandom rng = Seeds.stream(seed, AUGMENT + epoch, file * 0x9E3779B97F4A7C15L + record);
                return transform.train(image, rng);
            } catch (DatasetException e) {
                return failOrSkip(e);
            } finally {
                encodedBytes.release(permits);
            }
        });
        put(new Sample(pixels, label, null));
    }

    private void put(Sample s) throws InterruptedException {
        while (!closed) {
            if (queue.offer(s, 100, TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    @Override
    public boolean hasNext() {
        return peek() != END;
    }

    /** The next sample that is not skipped, without taking it; END at the end. */
    private Sample peek() {
        while (peeked == null) {
            Sample s;
            try {
                s = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for images", e);
            }
            if (s.failure() != null) {
                close();
                throw s.failure();
            }
            if (s == END || pixelsOf(s) != null) {
                peeked = s;
            }
        }
        return peeked;
    }

    private byte[] pixelsOf(Sample s) {
        try {
            return s.pixels().get();
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof RuntimeException r ? r : new DatasetException(e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decoding images", e);
        }
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no batch left");
        }
        byte[][] images = new byte[batchSize][];
        float[] labels = new float[batchSize * classes];
        int b = 0;
        while (b < batchSize && hasNext()) {
            Sample s = peeked;
            peeked = null;
            images[b] = pixelsOf(s);
            labels[b * classes + s.label()] = 1f;
            b++;
        }
        if (b < batchSize) {
            labels = java.util.Arrays.copyOf(labels, b * classes);
        }
        int plane = options.imageSize() * options.imageSize();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray f = Nd4j.createUninitialized(DataType.FLOAT, new long[] {b, options.channels(),
                    options.imageSize(), options.imageSize()}, 'c');
            // scaled one image at a time straight into native memory: no batch-sized float[] on the heap
            FloatBuffer out = f.data().asNioFloat();
            for (int i = 0; i < b; i++) {
                byte[] chw = images[i];
                for (int c = 0, k = 0; c < tables.length; c++) {
                    float[] lut = tables[c];
                    for (int end = k + plane; k < end; k++) {
                        scaled[k] = lut[chw[k] & 0xFF];
                    }
                }
                out.put(scaled);
            }
            INDArray l = Nd4j.create(labels, new long[] {b, classes}, 'c');
            return new DataSet(f, l);
        }
    }

    /** Stops the reader and the decoding threads; the iterator is finished afterwards. */
    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        pool.shutdownNow();
    }
}
