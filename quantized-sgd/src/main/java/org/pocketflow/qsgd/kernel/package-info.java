/**
 * The hot loops every codec shares: bucket norms, stochastic rounding, fixed-width bit packing,
 * run-length/Rice entropy coding and the counter-based random generator. No allocation per
 * element or per call; scratch arrays belong to the caller (an encoder, which belongs to one
 * worker).
 *
 * <p>Floating-point order is part of the wire contract: the same seed and input must give the
 * same bytes on every machine, so reductions use a fixed order (eight interleaved partial sums,
 * combined pairwise) that a SIMD implementation with eight lanes reproduces exactly.
 */
package org.pocketflow.qsgd.kernel;
