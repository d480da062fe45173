package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.PairBench;
import io.netty.buffer.ByteBufAllocator;

/**
 * The pair benchmark ({@link PairBench}) for a Netty allocator: nanoseconds
 * per {@code directBuffer(4096)} + {@code release()} pair. A subclass sets
 * {@link #allocator} in {@code open()} (shared by all benchmark threads)
 * and, in its {@code @Fork}, may choose the threads it runs on. The buffers
 * are not written.
 */
public abstract class NettyPairBench extends PairBench {
    /** The allocator measured. */
    protected ByteBufAllocator allocator;

    /** 1 when the release freed the buffer (its reference count reached 0). */
    @Override
    protected final long pair() {
        return allocator.directBuffer(4096).release() ? 1 : 0;
    }
}
