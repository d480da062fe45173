package dev.percpu.examples.bench;

import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code allocate(4096)} + {@code free(address)} pair on a
 * {@link SizeClassAllocator} with the default class table (rseq mode):
 * {@link PercpuBench}'s pair plus the class lookups by size and by address.
 * One allocator is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class SizeClassBench {
    private SizeClassAllocator allocator;

    @Setup
    public void open() {
        allocator = SizeClassAllocator.create(SizeClassConfig.builder().mode(dev.percpu.runtime.Mode.RSEQ).build());
    }

    @TearDown
    public void close() {
        allocator.close();
    }

    @Benchmark
    @Threads(1)
    public long oneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public long twoThreads() {
        return pair();
    }

    private long pair() {
        long address = allocator.allocate(4096);
        allocator.free(address);
        return address;
    }
}
