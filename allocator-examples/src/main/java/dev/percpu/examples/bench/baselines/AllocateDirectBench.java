package dev.percpu.examples.bench.baselines;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code ByteBuffer.allocateDirect(4096)}. The buffer is
 * never freed explicitly: its memory goes back when the GC has found the
 * buffer unreachable and its cleaner has run, so the cost of freeing is
 * folded into the allocation rate (direct memory reservation, zeroing,
 * cleaner registration, GC).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class AllocateDirectBench {
    @Benchmark
    @Threads(1)
    public ByteBuffer oneThread() {
        return ByteBuffer.allocateDirect(4096);
    }

    @Benchmark
    @Threads(2)
    public ByteBuffer twoThreads() {
        return ByteBuffer.allocateDirect(4096);
    }
}
