package dev.percpu.netty;

import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * A heap buffer of {@link PercpuByteBufAllocator}: Netty's unpooled heap
 * buffer, with its arrays counted in the allocator's
 * {@link PercpuByteBufAllocatorMetric#usedHeapMemory()}. percpu pools only
 * off-heap memory; the garbage collector already pools the heap.
 */
final class CountedHeapByteBuf extends UnpooledHeapByteBuf {
    CountedHeapByteBuf(PercpuByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        super(alloc, initialCapacity, maxCapacity);
    }

    @Override
    protected byte[] allocateArray(int initialCapacity) {
        byte[] array = super.allocateArray(initialCapacity);
        owner().heapBytes.add(array.length);
        return array;
    }

    @Override
    protected void freeArray(byte[] array) {
        owner().heapBytes.add(-array.length);
        super.freeArray(array);
    }

    /** The allocator (set by the super constructor before it allocates the first array). */
    private PercpuByteBufAllocator owner() {
        return (PercpuByteBufAllocator) alloc();
    }
}
