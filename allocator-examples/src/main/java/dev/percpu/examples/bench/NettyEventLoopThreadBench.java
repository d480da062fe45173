package dev.percpu.examples.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code directBuffer(4096)} + {@code release()} pair on
 * Netty's default allocators, {@link PooledByteBufAllocator#DEFAULT} and a
 * {@code new AdaptiveByteBufAllocator()}, with the benchmark threads being
 * {@code FastThreadLocalThread}s ({@link FastThreadLocalExecutor}), as Netty's
 * event-loop threads are. On such threads Netty's pooled allocator uses its
 * thread cache and its {@code Recycler} reuses the {@code ByteBuf} objects;
 * on the plain threads of {@link NettyPooledBench} and
 * {@link NettyAdaptiveBench} the Recycler hands out a new object per
 * allocation. One allocator is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.examples.bench.FastThreadLocalExecutor"})
@State(Scope.Benchmark)
public class NettyEventLoopThreadBench {
    @Param({"pooled", "adaptive"})
    public String allocatorKind;

    private ByteBufAllocator allocator;

    @Setup
    public void open() {
        allocator = allocatorKind.equals("pooled") ? PooledByteBufAllocator.DEFAULT : new AdaptiveByteBufAllocator();
    }

    @Benchmark
    @Threads(1)
    public boolean oneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public boolean twoThreads() {
        return pair();
    }

    private boolean pair() {
        ByteBuf buffer = allocator.directBuffer(4096);
        return buffer.release();
    }
}
