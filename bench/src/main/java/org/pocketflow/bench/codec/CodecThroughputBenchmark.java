package org.pocketflow.bench.codec;

import java.util.concurrent.TimeUnit;
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
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

/**
 * Encode and decode time of one gradient per codec, one thread. The encoder runs in steady state
 * (its residual carries over from call to call, as in training); decode overwrites an array.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class CodecThroughputBenchmark {

    @Param({"ecq", "ecq-rl", "qsgd", "terngrad", "signef", "threshold-strom", "threshold-dgc", "identity"})
    public String codec;

    @Param({"1048576"})
    public int size;

    private GradientCodec c;
    private GradientEncoder encoder;
    private float[] gradient;
    private EncodedGradient message;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        c = BenchCodecs.byName(codec);
        encoder = c.newEncoder(1);
        gradient = BenchCodecs.gradient(size, 42);
        message = encoder.encode(gradient);
        out = new float[size];
    }

    @Benchmark
    public EncodedGradient encode() {
        return encoder.encode(gradient);
    }

    @Benchmark
    public float[] decode() {
        c.decode(message, out);
        return out;
    }
}
