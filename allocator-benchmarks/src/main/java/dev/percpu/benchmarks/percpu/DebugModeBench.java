package dev.percpu.benchmarks.percpu;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.BenchmarkSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The cost of debug mode: nanoseconds per {@code allocate()} +
 * {@code free(address)} pair of one 4 KiB slot (rseq mode, as
 * {@link PercpuBench}) with debug mode off, on, and on with every
 * allocation site recorded. On, each pair also CASes the slot-state bitmap
 * twice and poisons and checks the slot's first 4 KiB (two more JNI calls).
 */
@State(Scope.Benchmark)
public class DebugModeBench extends BenchmarkSettings {
    @Param({"off", "on", "onWithStackTraces"})
    public String debug;

    private SlabAllocator allocator;

    @Setup
    public void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(65536).mode(dev.percpu.runtime.Mode.RSEQ)
            .debug(!debug.equals("off")).debugStackTraces(debug.equals("onWithStackTraces") ? 1 : 0).build());
    }

    @TearDown
    public void close() {
        allocator.close();
    }

    @Benchmark
    @Threads(1)
    public long oneThread() {
        long address = allocator.allocate();
        allocator.free(address);
        return address;
    }
}
