package dev.percpu.examples.bench.baselines;

import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Param;

/**
 * The Netty pair ({@link NettyPairBench}) on Netty's
 * {@link PooledByteBufAllocator}. {@code cache=allThreads}: a new allocator
 * with Netty's default arena count, page size, max order and cache sizes,
 * but {@code useCacheForAllThreads = true}, so the JMH threads get a thread
 * cache ({@link NettyAllocators#pooled(String)}). {@code cache=default}:
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
        allocator = NettyAllocators.pooled(cache);
    }
}
