/**
 * Thin adapters between ND4J's {@code INDArray} and the {@code float[]} codec core. They copy
 * (ND4J buffers live off-heap); the core stays free of ND4J so it needs no native backend.
 */
package org.pocketflow.qsgd.nd4j;
