package dev.percpu.examples.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
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
 * The allocation matrix of {@link MatrixPercpuBench} for Netty 4.2's
 * {@link AdaptiveByteBufAllocator}: nanoseconds per buffer when a thread
 * allocates a batch of 1, 8, 32 or 128 direct buffers of {@code size} bytes
 * ({@code directBuffer(size)}) and then releases them all; per thread, per
 * buffer ({@code @OperationsPerInvocation}).
 *
 * <p>One {@code new AdaptiveByteBufAllocator()} with default settings is
 * shared by all benchmark threads. The threads are Netty
 * {@code FastThreadLocalThread}s ({@link FastThreadLocalExecutor}), as on an
 * event loop, so the {@code Recycler} reuses the {@code ByteBuf} objects
 * and each thread has its own magazines for sizes up to Adaptive's largest
 * size class (16896 B in Netty 4.2.18: 64 B and 4 KiB here); 64 KiB buffers
 * come from the magazines for larger buffers, which all threads share. The
 * buffers are not written.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.examples.bench.FastThreadLocalExecutor"})
@State(Scope.Benchmark)
public class MatrixNettyAdaptiveBench {
    @Param({"64", "4096", "65536"})
    public int size;

    private AdaptiveByteBufAllocator allocator;

    /** One buffer array per benchmark thread, big enough for the largest batch. */
    @State(Scope.Thread)
    public static class Buffers {
        final ByteBuf[] buffers = new ByteBuf[128];
    }

    @Setup
    public void open() {
        allocator = new AdaptiveByteBufAllocator();
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
