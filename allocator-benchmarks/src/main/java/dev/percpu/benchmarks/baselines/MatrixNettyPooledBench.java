package dev.percpu.benchmarks.baselines;

import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Param;

/**
 * The allocation matrix for Netty's {@link PooledByteBufAllocator}
 * ({@link MatrixNettyBench}). On the {@code FastThreadLocalThread}s the
 * {@code Recycler} reuses the {@code ByteBuf} objects, so the two settings
 * differ only in the thread cache. Both allocators have direct arenas only,
 * Netty's default arena count, page size and max order (4 MiB chunks):
 * {@link NamedAllocator}'s {@code pooled-direct-cached} and
 * {@code pooled-direct-uncached}. {@code cache=allThreads}: default cache
 * sizes (256 small, 64 normal entries) and {@code useCacheForAllThreads =
 * true}, so every thread has a thread cache; Netty caches buffers of at most
 * {@code io.netty.allocator.maxCachedBufferCapacity} (32 KiB by default), so
 * 64 KiB buffers always go to the arena. {@code cache=none}: cache sizes 0
 * and {@code useCacheForAllThreads = false}: every allocation and every
 * release goes to the thread's arena (the threads are still spread over the
 * arenas).
 */
public class MatrixNettyPooledBench extends MatrixNettyBench {
    @Param({"allThreads", "none"})
    public String cache;

    @Override
    protected void open() {
        allocator = NamedAllocator.create(cache.equals("allThreads") ? "pooled-direct-cached"
            : "pooled-direct-uncached").allocator();
    }
}
