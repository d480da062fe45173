package dev.percpu.netty;

import io.netty.buffer.ByteBufAllocatorMetric;

/**
 * Netty's view of a {@link PercpuByteBufAllocator}'s memory, for tools that
 * read {@link io.netty.buffer.ByteBufAllocatorMetricProvider} (Micrometer's
 * Netty allocator metrics, for example). percpu's own figures (per class,
 * large path, fallbacks, the per-CPU bound) are on the allocator.
 */
public final class PercpuByteBufAllocatorMetric implements ByteBufAllocatorMetric {
    private final PercpuByteBufAllocator alloc;

    PercpuByteBufAllocatorMetric(PercpuByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Off-heap bytes the allocator has committed ({@link PercpuByteBufAllocator#committedBytes()}):
     * size-class memory in use, cached per CPU or free in the depots, plus the large path; memory
     * handed back is not counted. Never above {@link PercpuByteBufAllocator#maxMemory()}.
     */
    @Override
    public long usedDirectMemory() {
        return alloc.committedBytes();
    }

    /** Bytes of the heap buffers' arrays not yet released. */
    @Override
    public long usedHeapMemory() {
        return alloc.heapBytes.sum();
    }

    @Override
    public String toString() {
        return "PercpuByteBufAllocatorMetric[usedDirectMemory=" + usedDirectMemory() + ", usedHeapMemory="
            + usedHeapMemory() + "]";
    }
}
