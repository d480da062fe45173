package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.BenchmarkSettings;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds per {@code ByteBuffer.allocateDirect(4096)}. The buffer is
 * never freed explicitly: its memory goes back when the GC has found the
 * buffer unreachable and its cleaner has run, so the cost of freeing is
 * folded into the allocation rate (direct memory reservation, zeroing,
 * cleaner registration, GC).
 */
@State(Scope.Benchmark)
public class AllocateDirectBench extends BenchmarkSettings {
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
