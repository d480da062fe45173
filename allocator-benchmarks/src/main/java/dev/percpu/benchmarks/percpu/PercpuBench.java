package dev.percpu.benchmarks.percpu;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.PairBench;
import org.openjdk.jmh.annotations.Param;

/**
 * Nanoseconds per {@code allocate()} + {@code free(address)} pair of one
 * 4 KiB slot from a {@link SlabAllocator} (65536 slots, default per-CPU
 * capacity and batch), in rseq mode and in fallback mode. After the first
 * pair every operation hits the current CPU's stack: two native calls per
 * pair (JNI, or FFM downcalls where the JVM binds FFM). One allocator is
 * shared by all benchmark threads.
 */
public class PercpuBench extends PairBench {
    @Param({"RSEQ", "FALLBACK"})
    public dev.percpu.runtime.Mode mode;

    private SlabAllocator allocator;

    @Override
    protected void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(65536).mode(mode).build());
    }

    @Override
    protected void close() {
        allocator.close();
    }

    @Override
    protected long pair() {
        long address = allocator.allocate();
        allocator.free(address);
        return address;
    }
}
