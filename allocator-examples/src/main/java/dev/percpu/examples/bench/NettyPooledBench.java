package dev.percpu.examples.bench;

import io.netty.buffer.ByteBuf;
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
 * Netty's {@link PooledByteBufAllocator}. {@code cache=allThreads}: a new
 * allocator with Netty's default arena count, page size, max order and cache
 * sizes, but {@code useCacheForAllThreads = true}, so the JMH threads get a
 * thread cache. {@code cache=default}: {@link PooledByteBufAllocator#DEFAULT},
 * whose thread caches serve only {@code FastThreadLocalThread}s unless
 * {@code io.netty.allocator.useCacheForAllThreads} is set; JMH threads are
 * plain threads. One allocator is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class NettyPooledBench {
    @Param({"allThreads", "default"})
    public String cache;

    private PooledByteBufAllocator allocator;

    @Setup
    public void open() {
        allocator = cache.equals("default") ? PooledByteBufAllocator.DEFAULT
            : new PooledByteBufAllocator(true, 0, PooledByteBufAllocator.defaultNumDirectArena(),
                PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(), true);
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
