package dev.percpu.benchmarks.percpu;

import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.benchmarks.support.PairBench;

/**
 * Nanoseconds per {@code allocate(4096)} + {@code free(address)} pair on a
 * {@link SizeClassAllocator} with the default class table (rseq mode):
 * {@link PercpuBench}'s pair plus the class lookups by size and by address.
 * One allocator is shared by all benchmark threads.
 */
public class SizeClassBench extends PairBench {
    private SizeClassAllocator allocator;

    @Override
    protected void open() {
        allocator = SizeClassAllocator.create(SizeClassConfig.builder().mode(dev.percpu.runtime.Mode.RSEQ).build());
    }

    @Override
    protected void close() {
        allocator.close();
    }

    @Override
    protected long pair() {
        long address = allocator.allocate(4096);
        allocator.free(address);
        return address;
    }
}
