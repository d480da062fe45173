package dev.percpu.benchmarks.baselines;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;

/**
 * The allocation matrix for Netty 4.2's {@link AdaptiveByteBufAllocator}
 * ({@link MatrixNettyBench}): one {@code new AdaptiveByteBufAllocator()}
 * with default settings. On the {@code FastThreadLocalThread}s each thread
 * has its own magazines for sizes up to Adaptive's largest size class
 * (16896 B in Netty 4.2.18: 64 B and 4 KiB here); 64 KiB buffers come from
 * the magazines for larger buffers, which all threads share.
 */
public class MatrixNettyAdaptiveBench extends MatrixNettyBench {
    @Override
    protected void open() {
        allocator = new AdaptiveByteBufAllocator();
    }
}
