package org.pocketflow.bench.codec;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * ND4J's own gradient compression, measured beside the codecs: {@code thresholdEncode} (Strom's
 * rule: elements with |g| >= τ become ±τ, 4 bytes each, and τ is subtracted from the input in
 * place) and {@code thresholdDecode} (adds ±τ into a target). Because encode consumes its input,
 * each encode starts from a fresh copy of the gradient (the copy is outside the timing).
 * Run with {@code OMP_NUM_THREADS=1} for a one-core comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class Nd4jThresholdBenchmark {

    @Param({"1048576"})
    public int size;

    private INDArray pristine;
    private INDArray input;
    private INDArray encoded;
    private INDArray target;

    @Setup(Level.Trial)
    public void setUp() {
        pristine = Nd4j.createFromArray(BenchCodecs.gradient(size, 42));
        input = pristine.dup();
        encoded = Nd4j.getExecutioner().thresholdEncode(input, BenchCodecs.TAU);
        target = Nd4j.zeros(pristine.dataType(), size);
    }

    @Setup(Level.Invocation)
    public void restoreInput() {
        input.assign(pristine);
    }

    @Benchmark
    public INDArray encode() {
        return Nd4j.getExecutioner().thresholdEncode(input, BenchCodecs.TAU);
    }

    @Benchmark
    public INDArray decode() {
        return Nd4j.getExecutioner().thresholdDecode(encoded, target);
    }
}
