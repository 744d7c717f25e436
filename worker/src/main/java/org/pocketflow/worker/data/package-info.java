/**
 * Training data for the workers: datasets read through Hadoop's {@code FileSystem}
 * ({@code file://}, {@code hdfs://}, or a bare local path), held in memory as compact
 * uint8 {@link org.pocketflow.worker.data.ImageSet}s, and turned into ND4J minibatches.
 * Data sets too large for the heap are streamed instead ({@code data.stream}).
 *
 * <p>The pieces, by role:
 * <ul>
 *   <li>{@link org.pocketflow.worker.data.Dataset}: the extension point, one implementation
 *       per storage format; {@link org.pocketflow.worker.data.IdxDataset} reads the IDX files
 *       of (Fashion-)MNIST through {@link org.pocketflow.worker.data.IdxReader}.</li>
 *   <li>{@link org.pocketflow.worker.data.ImageSet}: immutable images and labels, with seeded
 *       splitting, partitioning across workers and batching.</li>
 *   <li>{@link org.pocketflow.worker.data.Normalizer}: per-channel pixel scaling, fitted on
 *       the training split or fixed by {@link org.pocketflow.worker.data.Scaling} (the
 *       {@code pocketflow.data.normalization} modes), or translated from a DL4J normalizer stored
 *       in a user's model zip by {@link org.pocketflow.worker.data.Dl4jNormalizers}.</li>
 * </ul>
 *
 * <p>Nothing here reads configuration classes: factories take plain values (URIs, limits,
 * seeds) so that the configuration layer decides what they are. Randomness always comes from
 * an explicit seed; no global random generator is used. Failures to read data surface as
 * {@link org.pocketflow.worker.data.DatasetException} with one line naming the file, what is
 * wrong and how to fix it.
 */
package org.pocketflow.worker.data;
