package dev.percpu.benchmarks.baselines;

import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Param;

/**
 * The Netty pair ({@link NettyPairBench}) on Netty's
 * {@link PooledByteBufAllocator}. {@code cache=allThreads}: a new allocator
 * with Netty's default arena count, page size, max order and cache sizes,
 * but {@code useCacheForAllThreads = true}, so the JMH threads get a thread
 * cache ({@link NamedAllocator}'s {@code pooled-direct-cached}, no heap
 * arenas). {@code cache=default}:
 * {@link PooledByteBufAllocator#DEFAULT}, whose thread caches serve only
 * {@code FastThreadLocalThread}s unless
 * {@code io.netty.allocator.useCacheForAllThreads} is set; JMH threads are
 * plain threads.
 */
public class NettyPooledBench extends NettyPairBench {
    @Param({"allThreads", "default"})
    public String cache;

    @Override
    protected void open() {
        allocator = NamedAllocator.create(pooledByCache(cache)).allocator();
    }

    /** The {@link NamedAllocator} name of a {@code cache} parameter: {@code default} or {@code allThreads}. */
    static String pooledByCache(String cache) {
        switch (cache) {
            case "default":
                return "pooled-default";
            case "allThreads":
                return "pooled-direct-cached";
            default:
                throw new IllegalArgumentException("cache " + cache);
        }
    }
}
