package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.FastThreadLocalExecutor;
import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;

/**
 * The Netty pair ({@link NettyPairBench}) on Netty's default allocators,
 * {@link PooledByteBufAllocator#DEFAULT} and a {@code new AdaptiveByteBufAllocator()},
 * with the benchmark threads being {@code FastThreadLocalThread}s
 * ({@link FastThreadLocalExecutor}), as Netty's event-loop threads are. On
 * such threads Netty's pooled allocator uses its thread cache and its
 * {@code Recycler} reuses the {@code ByteBuf} objects; on the plain threads
 * of {@link NettyPooledBench} and {@link NettyAdaptiveBench} the Recycler
 * hands out a new object per allocation.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor"})
public class NettyEventLoopThreadBench extends NettyPairBench {
    @Param({"pooled", "adaptive"})
    public String allocatorKind;

    @Override
    protected void open() {
        allocator = NamedAllocator.create(allocatorKind.equals("pooled") ? "pooled-default" : "adaptive").allocator();
    }
}
