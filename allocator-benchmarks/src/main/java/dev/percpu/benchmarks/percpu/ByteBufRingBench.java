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
 * Netty's own microbenchmark pattern at the {@code ByteBuf} level: each thread
 * keeps a ring of {@value #RING} live buffers; one operation releases the
 * buffer at a random index (per-thread xorshift, no allocation) and
 * allocates a new one, writing a long into it. Nanoseconds per
 * release + allocate + write. Sizes: fixed, or {@code mix} (the
 * {@link ByteBufSizes#MIX} table, 3% of it 64 KiB to 1 MiB). Allocators
 * and settings in {@link NamedAllocator} (made by {@link ByteBufSizes#allocator(String)}); leak detection off.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class ByteBufRingBench {
    static final int RING = 8192;

    @Param({"percpu", "pooled", "pooledAllThreads", "adaptive"})
    public String allocator;

    @Param({"256", "1024", "4096", "mix"})
    public String size;

    NamedAllocator named;
    ByteBufAllocator alloc;
    int[] sizes;

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

    /** One thread's ring, filled in its setup and released in its teardown. */
    @State(Scope.Thread)
    public static class Ring {
        final ByteBuf[] buffers = new ByteBuf[RING];
        long seed = 0x9E3779B97F4A7C15L;
        int next;
        ByteBufRingBench bench;

        @Setup
        public void fill(ByteBufRingBench bench) {
            this.bench = bench;
            for (int i = 0; i < RING; i++) {
                buffers[i] = bench.alloc.directBuffer(bench.sizes[next++ & (bench.sizes.length - 1)]);
            }
        }

        @TearDown
        public void empty() {
            for (ByteBuf b : buffers) {
                b.release();
            }
        }
    }

    @Benchmark
    @Threads(1)
    public ByteBuf oneThread(Ring ring) {
        return replace(ring);
    }

    @Benchmark
    @Threads(2)
    public ByteBuf twoThreads(Ring ring) {
        return replace(ring);
    }

    private ByteBuf replace(Ring ring) {
        long x = ring.seed;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        ring.seed = x;
        int i = (int) x & (RING - 1);
        ring.buffers[i].release();
        int n = sizes[ring.next++ & (sizes.length - 1)];
        ByteBuf b = alloc.directBuffer(n);
        b.writeLong(n);
        ring.buffers[i] = b;
        return b;
    }
}
