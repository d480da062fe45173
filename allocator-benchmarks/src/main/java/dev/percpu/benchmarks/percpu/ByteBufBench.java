package dev.percpu.benchmarks.percpu;

import dev.percpu.examples.shared.NamedAllocator;
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
 * {@code ByteBuf}-level benchmarks that allocate and release at once (the wrapper object and
 * its reference count are part of the cost), one allocator shared by all benchmark threads;
 * allocators and their settings in {@link NamedAllocator} (made by {@link ByteBufSizes#allocator(String)}). {@code size} is a fixed size,
 * {@code mix} or {@code random16k} (each thread walks the size table). Nanoseconds per
 * operation, each operation one buffer:
 * <ul>
 *   <li>{@code oneThread}, {@code twoThreads}: {@code directBuffer(size)} + {@code writeLong}
 *       + {@code release()}. With {@code -t 8} or {@code -t 32}, {@code oneThread} is the
 *       concurrent shape (more threads than this machine's CPUs).</li>
 *   <li>{@code allocateRelease}: {@code directBuffer(size)} + {@code release()}, nothing
 *       written: Netty's random-size allocator benchmark with {@code size=random16k}.</li>
 *   <li>{@code allocateAndGrow}: {@code directBuffer()} (Netty's default initial capacity,
 *       256 B), then {@code size} bytes written in pieces of {@value #GROW_PIECE} bytes, each
 *       write past the capacity growing the buffer as the allocator's
 *       {@code calculateNewCapacity} says, then {@code release()}.</li>
 * </ul>
 * The annotation runs the forks on JMH's plain threads with Netty's leak detection off;
 * {@code allocator-benchmarks/scripts/bytebuf-bench.sh} runs them on {@code FastThreadLocalThread}s and at
 * Netty's default leak level too (a command-line {@code -jvmArgsAppend} replaces the
 * annotation's, so it passes the whole set).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class ByteBufBench {
    /** Bytes per write in {@link #allocateAndGrow}. */
    static final int GROW_PIECE = 1024;

    @Param({"percpuDefault", "percpu", "pooled", "pooledAllThreads", "adaptive"})
    public String allocator;

    @Param({"256", "1024", "4096", "16384", "65536", "mix", "random16k"})
    public String size;

    private NamedAllocator named;
    private ByteBufAllocator alloc;
    private int[] sizes;
    private final byte[] piece = new byte[GROW_PIECE];

    /** Each thread's position in the size table. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup
    public void open() {
        named = ByteBufSizes.allocator(allocator);
        alloc = named.allocator();
        sizes = ByteBufSizes.sizes(size);
    }

    @TearDown
    public void close() {
        named.close();
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

    @Benchmark
    @Threads(1)
    public boolean allocateRelease(Cursor cursor) {
        return alloc.directBuffer(next(cursor)).release();
    }

    @Benchmark
    @Threads(1)
    public boolean allocateAndGrow(Cursor cursor) {
        int n = next(cursor);
        ByteBuf buffer = alloc.directBuffer();
        for (int left = n; left > 0; left -= GROW_PIECE) {
            buffer.writeBytes(piece, 0, Math.min(left, GROW_PIECE));
        }
        return buffer.release();
    }

    private boolean allocateWriteRelease(Cursor cursor) {
        int n = next(cursor);
        ByteBuf buffer = alloc.directBuffer(n);
        buffer.writeLong(n);
        return buffer.release();
    }

    private int next(Cursor cursor) {
        return sizes[cursor.next++ & (sizes.length - 1)];
    }
}
