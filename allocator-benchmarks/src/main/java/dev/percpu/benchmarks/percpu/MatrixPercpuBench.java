package dev.percpu.benchmarks.percpu;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.AllocationMatrixBench;

/**
 * The allocation matrix ({@link AllocationMatrixBench}) for percpu: slots of
 * {@code size} bytes from a {@link SlabAllocator}. Batch 1 is
 * {@code allocate()} + {@code free(address)}, the pair of {@link PercpuBench};
 * batch 8 and up is {@code allocate(long[], n)} + {@code free(long[], n)},
 * one native call per batch each way.
 *
 * <p>The allocator is shared by all benchmark threads: rseq mode, default
 * per-CPU capacity (512) and batch (32), and min(65536, 1 GiB / size) slots:
 * 65536 of 64 B (4 MiB) or of 4 KiB (256 MiB), 16384 of 64 KiB (1 GiB),
 * reserved with {@code MAP_NORESERVE}. Nobody writes to the slots, so no
 * page of the region is committed. At most 16 x 32 (or 1 x 128) slots are in
 * use at once, plus what the CPU stacks cache; a batch that comes back short
 * fails the run. The teardown fails the run if any slot is still in use
 * (leak check).
 */
public class MatrixPercpuBench extends AllocationMatrixBench {
    private SlabAllocator allocator;

    @Override
    protected void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(size)
            .capacitySlots(Math.min(65536, (1 << 30) / size)).mode(dev.percpu.runtime.Mode.RSEQ).build());
    }

    @Override
    protected void close() {
        long inUse = allocator.stats().inUse();
        allocator.close();
        if (inUse != 0) {
            throw new IllegalStateException(inUse + " slots still in use after the run");
        }
    }

    @Override
    protected long pair() {
        long address = allocator.allocate();
        allocator.free(address);
        return address;
    }

    @Override
    protected long batch(Batch batch, int n) {
        int got = allocator.allocate(batch.addresses, n);
        allocator.free(batch.addresses, got);
        if (got != n) {
            throw new IllegalStateException("asked for " + n + " slots, got " + got);
        }
        return got;
    }
}
