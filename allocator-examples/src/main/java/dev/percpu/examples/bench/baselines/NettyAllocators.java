package dev.percpu.examples.bench.baselines;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/** The Netty allocators the baselines build beyond Netty's own defaults. */
final class NettyAllocators {
    private NettyAllocators() {
    }

    /**
     * A new {@link PooledByteBufAllocator} preferring direct buffers, with
     * Netty's default direct arena count, page size and max order (4 MiB
     * chunks) and no heap arenas. {@code cached}: Netty's default thread
     * cache sizes (256 small, 64 normal entries) and
     * {@code useCacheForAllThreads = true}, so every thread, not only a
     * {@code FastThreadLocalThread}, has a thread cache; otherwise cache sizes
     * 0 and {@code useCacheForAllThreads = false}, so every allocation and
     * every release goes to the thread's arena.
     */
    static PooledByteBufAllocator pooled(boolean cached) {
        return new PooledByteBufAllocator(true, 0, PooledByteBufAllocator.defaultNumDirectArena(),
            PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
            cached ? PooledByteBufAllocator.defaultSmallCacheSize() : 0,
            cached ? PooledByteBufAllocator.defaultNormalCacheSize() : 0, cached);
    }

    /**
     * The pooled allocator a {@code cache} parameter names: {@code default},
     * {@link PooledByteBufAllocator#DEFAULT} (its thread caches serve only
     * {@code FastThreadLocalThread}s unless
     * {@code io.netty.allocator.useCacheForAllThreads} is set);
     * {@code allThreads}, {@link #pooled(boolean) pooled(true)}.
     */
    static ByteBufAllocator pooled(String cache) {
        switch (cache) {
            case "default":
                return PooledByteBufAllocator.DEFAULT;
            case "allThreads":
                return pooled(true);
            default:
                throw new IllegalArgumentException("cache " + cache);
        }
    }
}
