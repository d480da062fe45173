package dev.percpu.netty;

import dev.percpu.PoolExhaustedException;
import dev.percpu.SizeClassAllocator;

/**
 * The large path of a {@link PercpuByteBufAllocator}: buffers of whole
 * pages from the size-class allocator's large-block heap (one reserved
 * range, no mapping per buffer), for capacities above the largest class or
 * where every class that fits is exhausted. Each buffer gets its own object;
 * its pages go back to the kernel and the budget at its last release.
 */
final class LargeBuffers {
    private final PercpuByteBufAllocator alloc;
    private final SizeClassAllocator classes;

    LargeBuffers(PercpuByteBufAllocator alloc, SizeClassAllocator classes) {
        this.alloc = alloc;
        this.classes = classes;
    }

    /**
     * A buffer object over a new large block of at least {@code size} bytes.
     *
     * @throws PoolExhaustedException when the budget or the large range has no room; the message names the cap
     */
    PercpuByteBuf acquire(int size) {
        long address = classes.tryAllocate(Math.max(size, classes.maxSize() + 1));
        if (address == 0) {
            throw new PoolExhaustedException(String.format(
                "memory cap reached: a buffer of %d bytes does not fit; %d of maxMemory %d bytes are committed "
                    + "(%d in use)", size, classes.committedBytes(), classes.maxMemory(), classes.inUseBytes()));
        }
        int blockBytes = classes.usableSize(address);
        PercpuByteBuf buffer = new PercpuByteBuf(alloc, PercpuByteBuf.LARGE, 0, address, blockBytes,
            classes.view(address));
        NettyEvents.large(size, blockBytes, classes.largeBytes());
        return buffer;
    }

    /** Returns the large block of {@code buffer}. */
    void release(PercpuByteBuf buffer) {
        classes.free(buffer.address());
    }
}
