package dev.percpu.benchmarks.baselines;

import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Param;

/**
 * The Netty handover ({@link NettyHandoverBench}) with Netty's
 * {@link PooledByteBufAllocator}. {@code cache=default}:
 * {@link PooledByteBufAllocator#DEFAULT} (plain threads get no thread
 * cache). {@code cache=allThreads}: the allocator of {@link NettyPooledBench},
 * Netty's defaults but {@code useCacheForAllThreads = true}.
 */
public class NettyPooledHandoverBench extends NettyHandoverBench {
    @Param({"allThreads", "default"})
    public String cache;

    @Override
    protected ByteBufAllocator newAllocator() {
        return NamedAllocator.create(NettyPooledBench.pooledByCache(cache)).allocator();
    }
}
