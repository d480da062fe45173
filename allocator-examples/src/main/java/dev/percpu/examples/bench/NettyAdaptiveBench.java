package dev.percpu.examples.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code directBuffer(4096)} + {@code release()} pair on a
 * {@code new AdaptiveByteBufAllocator()} with default settings (Netty 4.2's
 * default allocator; JMH threads are not event-loop threads, so they use the
 * shared magazines unless {@code io.netty.allocator.useCachedMagazinesForNonEventLoopThreads}
 * is set). One allocator is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class NettyAdaptiveBench {
    private AdaptiveByteBufAllocator allocator;

    @Setup
    public void open() {
        allocator = new AdaptiveByteBufAllocator();
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
