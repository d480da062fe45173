package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.AllocationMatrixBench;
import dev.percpu.benchmarks.support.UnsafeAccess;
import sun.misc.Unsafe;

/**
 * The allocation matrix ({@link AllocationMatrixBench}) for
 * {@code Unsafe.allocateMemory(size)} + {@code Unsafe.freeMemory(address)}
 * (glibc {@code malloc}/{@code free} behind HotSpot's native memory entry
 * points). All sizes are below glibc's default mmap threshold (128 KiB), so
 * every block comes from a malloc arena. The blocks are not written.
 */
public class MatrixUnsafeBench extends AllocationMatrixBench {
    private final Unsafe unsafe = UnsafeAccess.unsafe();

    @Override
    protected long pair() {
        long address = unsafe.allocateMemory(size);
        unsafe.freeMemory(address);
        return address;
    }

    @Override
    protected long batch(Batch batch, int n) {
        long[] addresses = batch.addresses;
        for (int i = 0; i < n; i++) {
            addresses[i] = unsafe.allocateMemory(size);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += addresses[i];
            unsafe.freeMemory(addresses[i]);
        }
        return sum;
    }
}
