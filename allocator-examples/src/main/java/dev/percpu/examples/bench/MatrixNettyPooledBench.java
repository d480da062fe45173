package dev.percpu.examples.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The allocation matrix of {@link MatrixPercpuBench} for Netty's
 * {@link PooledByteBufAllocator}: nanoseconds per buffer when a thread
 * allocates a batch of 1, 8, 32 or 128 direct buffers of {@code size} bytes
 * ({@code directBuffer(size)}) and then releases them all; per thread, per
 * buffer ({@code @OperationsPerInvocation}).
 *
 * <p>The benchmark threads are Netty {@code FastThreadLocalThread}s
 * ({@link FastThreadLocalExecutor}), as on an event loop, so Netty's
 * {@code Recycler} reuses the {@code ByteBuf} objects and the two settings
 * differ only in the thread cache. Both allocators have Netty's default
 * arena count, page size and max order (4 MiB chunks) and are shared by all
 * benchmark threads. {@code cache=allThreads}: default cache sizes (256
 * small, 64 normal entries) and {@code useCacheForAllThreads = true}, so
 * every thread has a thread cache; Netty caches buffers of at most
 * {@code io.netty.allocator.maxCachedBufferCapacity} (32 KiB by default),
 * so 64 KiB buffers always go to the arena. {@code cache=none}: cache sizes 0
 * and {@code useCacheForAllThreads = false}: every allocation and every
 * release goes to the thread's arena (the threads are still spread over the
 * arenas). The buffers are not written.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.examples.bench.FastThreadLocalExecutor"})
@State(Scope.Benchmark)
public class MatrixNettyPooledBench {
    @Param({"64", "4096", "65536"})
    public int size;

    @Param({"allThreads", "none"})
    public String cache;

    private PooledByteBufAllocator allocator;

    /** One buffer array per benchmark thread, big enough for the largest batch. */
    @State(Scope.Thread)
    public static class Buffers {
        final ByteBuf[] buffers = new ByteBuf[128];
    }

    @Setup
    public void open() {
        boolean cached = cache.equals("allThreads");
        allocator = new PooledByteBufAllocator(true, 0, PooledByteBufAllocator.defaultNumDirectArena(),
            PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
            cached ? PooledByteBufAllocator.defaultSmallCacheSize() : 0,
            cached ? PooledByteBufAllocator.defaultNormalCacheSize() : 0, cached);
    }

    @Benchmark
    @Threads(1)
    public boolean batch1OneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public boolean batch1TwoThreads() {
        return pair();
    }

    @Benchmark
    @Threads(16)
    public boolean batch1SixteenThreads() {
        return pair();
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(8)
    public boolean batch8OneThread(Buffers buffers) {
        return batch(buffers.buffers, 8);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(32)
    public boolean batch32OneThread(Buffers buffers) {
        return batch(buffers.buffers, 32);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(32)
    public boolean batch32TwoThreads(Buffers buffers) {
        return batch(buffers.buffers, 32);
    }

    @Benchmark
    @Threads(16)
    @OperationsPerInvocation(32)
    public boolean batch32SixteenThreads(Buffers buffers) {
        return batch(buffers.buffers, 32);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(128)
    public boolean batch128OneThread(Buffers buffers) {
        return batch(buffers.buffers, 128);
    }

    private boolean pair() {
        return allocator.directBuffer(size).release();
    }

    private boolean batch(ByteBuf[] buffers, int n) {
        for (int i = 0; i < n; i++) {
            buffers[i] = allocator.directBuffer(size);
        }
        boolean released = true;
        for (int i = 0; i < n; i++) {
            released &= buffers[i].release();
            buffers[i] = null;
        }
        return released;
    }
}
