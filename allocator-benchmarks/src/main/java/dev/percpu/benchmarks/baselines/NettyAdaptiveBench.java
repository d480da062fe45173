package dev.percpu.benchmarks.baselines;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;

/**
 * The Netty pair ({@link NettyPairBench}) on a {@code new AdaptiveByteBufAllocator()}
 * with default settings (Netty 4.2's default allocator; JMH threads are not
 * event-loop threads, so they use the shared magazines unless
 * {@code io.netty.allocator.useCachedMagazinesForNonEventLoopThreads} is set).
 */
public class NettyAdaptiveBench extends NettyPairBench {
    @Override
    protected void open() {
        allocator = new AdaptiveByteBufAllocator();
    }
}
