/**
 * The pieces of {@code DistributedTrainingBench}: one {@link
 * org.pocketflow.bench.distributed.BenchRow} per trainer, DL4J's own Spark training masters as
 * baselines ({@link org.pocketflow.bench.distributed.Dl4jMasterRun}). Benchmarks print figures and
 * assert nothing.
 */
package org.pocketflow.bench.distributed;
