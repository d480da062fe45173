package dev.percpu.examples.bench;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code allocate()} + {@code free(address)} pair of one
 * 4 KiB slot from a {@link SlabAllocator} (65536 slots, default per-CPU
 * capacity and batch), in rseq mode and in fallback mode. After the first
 * pair every operation hits the current CPU's stack: two JNI crossings per
 * pair. One allocator is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class PercpuBench {
    @Param({"RSEQ", "FALLBACK"})
    public dev.percpu.runtime.Mode mode;

    private SlabAllocator allocator;

    @Setup
    public void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(65536).mode(mode).build());
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
        long address = allocator.allocate();
        allocator.free(address);
        return address;
    }
}
