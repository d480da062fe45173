package dev.percpu.benchmarks.baselines;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;

/**
 * The Netty handover ({@link NettyHandoverBench}) with a
 * {@code new AdaptiveByteBufAllocator()} (defaults; the two plain threads use
 * the shared magazines).
 */
public class NettyAdaptiveHandoverBench extends NettyHandoverBench {
    @Override
    protected ByteBufAllocator newAllocator() {
        return new AdaptiveByteBufAllocator();
    }
}
