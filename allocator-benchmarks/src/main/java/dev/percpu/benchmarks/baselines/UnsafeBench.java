package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.PairBench;
import dev.percpu.benchmarks.support.UnsafeAccess;
import sun.misc.Unsafe;

/**
 * Nanoseconds per {@code Unsafe.allocateMemory(4096)} +
 * {@code Unsafe.freeMemory(address)} pair: glibc {@code malloc}/{@code free}
 * behind HotSpot's native memory entry points.
 */
public class UnsafeBench extends PairBench {
    private final Unsafe unsafe = UnsafeAccess.unsafe();

    @Override
    protected long pair() {
        long address = unsafe.allocateMemory(4096);
        unsafe.freeMemory(address);
        return address;
    }
}
