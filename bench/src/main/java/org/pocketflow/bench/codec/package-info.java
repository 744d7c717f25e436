/**
 * JMH benchmarks of the gradient codecs against ND4J's threshold encoding, and {@link
 * org.pocketflow.bench.codec.CodecBench}, which runs them and prints the table of
 * {@code quantized-sgd/README.md}. Benchmarks print figures; they never assert timings.
 */
package org.pocketflow.bench.codec;
