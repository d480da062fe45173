package dev.percpu.examples.bench.percpu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code directBuffer(size)} + {@code writeLong} + {@code release()}
 * at the {@code ByteBuf} level (the wrapper object and its reference count are
 * part of the cost), one allocator shared by all benchmark threads; allocators
 * and their settings in {@link ByteBufAllocators}. {@code size} is a fixed size
 * or {@code mix} (each thread walks the mix table). Run with {@code -t 16} for
 * 16 threads. Netty's leak detection is off ({@code -Dio.netty.leakDetection.level=disabled});
 * run with {@code -jvmArgsAppend -Dio.netty.leakDetection.level=simple} for its default.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class ByteBufBench {
    @Param({"percpu", "pooled", "pooledAllThreads", "adaptive"})
    public String allocator;

    @Param({"256", "1024", "4096", "16384", "65536", "mix"})
    public String size;

    private ByteBufAllocator alloc;
    private int[] sizes;

    /** Each thread's position in the size table. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup
    public void open() {
        alloc = ByteBufAllocators.create(allocator);
        sizes = ByteBufAllocators.sizes(size);
    }

    @TearDown
    public void close() {
        ByteBufAllocators.close(alloc);
    }

    @Benchmark
    @Threads(1)
    public boolean oneThread(Cursor cursor) {
        return allocateWriteRelease(cursor);
    }

    @Benchmark
    @Threads(2)
    public boolean twoThreads(Cursor cursor) {
        return allocateWriteRelease(cursor);
    }

    private boolean allocateWriteRelease(Cursor cursor) {
        int n = sizes[cursor.next++ & (sizes.length - 1)];
        ByteBuf buffer = alloc.directBuffer(n);
        buffer.writeLong(n);
        return buffer.release();
    }
}
