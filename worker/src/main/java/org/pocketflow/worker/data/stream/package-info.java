/**
 * Data sets too large for the heap, streamed through Hadoop's {@code FileSystem}: image folders in
 * the ImageNet layout and TFRecord shards of {@code tf.train.Example} in TensorFlow's ImageNet
 * layout ({@code pocketflow.data.format = image-folder | tfrecord}).
 *
 * <p>The pieces, by role:
 * <ul>
 *   <li>{@link org.pocketflow.worker.data.stream.StreamingDataset}: lists a data set once, splits it
 *       (validation carved from training by the seed, the held-out folder or shards as the test
 *       split) and deals {@link org.pocketflow.worker.data.stream.Unit}s (files or shards) to workers
 *       per epoch.</li>
 *   <li>{@link org.pocketflow.worker.data.stream.StreamingBatches}: a reader thread, a pool of
 *       decoding threads and a bounded queue; batches in a deterministic order.</li>
 *   <li>{@link org.pocketflow.worker.data.stream.ImageDecoder} ({@code javax.imageio}, JPEG and PNG,
 *       grey or RGB; the header first, then only a window of the image) and
 *       {@link org.pocketflow.worker.data.stream.ImageTransform} (random resized crop and flip for
 *       training, resize and centre crop for evaluation, drawn from the header's size so that only
 *       the crop's window is decoded).</li>
 *   <li>{@link org.pocketflow.worker.data.stream.TfRecords} (framing with masked CRC-32C) and
 *       {@link org.pocketflow.worker.data.stream.ExampleCodec} (the two features of an Example,
 *       without a protobuf runtime); {@link org.pocketflow.worker.data.stream.ImageFolderToTfRecord}
 *       converts a folder into shards.</li>
 * </ul>
 */
package org.pocketflow.worker.data.stream;
