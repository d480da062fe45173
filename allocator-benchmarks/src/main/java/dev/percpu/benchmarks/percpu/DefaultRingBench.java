package dev.percpu.benchmarks.percpu;

import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.examples.shared.NamedAllocator;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Netty's allocator microbenchmark as Netty runs it: the JVM at {@code -Xmx768m
 * -XX:MaxDirectMemorySize=768m}, leak detection off, one benchmark thread that is a
 * {@code FastThreadLocalThread} (an event loop's thread type: Adaptive serves from its
 * thread-local magazine there, Pooled from its thread cache), a ring of {@value #RING} live
 * buffers of one size, each operation releasing the buffer at a random index and allocating
 * one in its place. Nanoseconds per release + allocate.
 *
 * <p>Allocators, {@link NamedAllocator}'s: {@code percpuDefault} is {@link PercpuByteBufAllocator#DEFAULT}
 * as a drop-in gets it (its cap follows the direct memory limit: 768 MiB here); {@code percpu32g} a
 * new one with the builder's defaults and a 32 GiB cap; {@code adaptive} and {@code pooled} Netty's,
 * with their defaults ({@code pooled} is {@code pooled-default}, Netty's shared instance, as in its harness). The
 * teardown prints percpu's fallbacks (allocations its class could not serve) and committed
 * bytes: the ring must run with none.
 *
 * <p>The annotation's fork options are Netty's harness's; {@code allocator-benchmarks/scripts/bytebuf-bench.sh}
 * runs the ring on plain threads and at Netty's default leak level too, passing the whole set
 * of options for each (a command-line {@code -jvmArgsAppend} replaces the annotation's).
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx768m", "-XX:MaxDirectMemorySize=768m",
    "-Dio.netty.leakDetection.level=disabled", "-Djmh.executor=CUSTOM",
    "-Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor"})
@State(Scope.Thread)
public class DefaultRingBench extends BenchmarkSettings {
    static final int RING = 8192;

    @Param({"percpuDefault", "percpu32g", "adaptive", "pooled"})
    public String allocator;

    @Param({"0", "256", "1024", "4096", "16384", "65536"})
    public int size;

    private NamedAllocator named;
    private ByteBufAllocator alloc;
    private final ByteBuf[] ring = new ByteBuf[RING];
    private long seed = 0x9E3779B97F4A7C15L;

    @Setup
    public void fill() {
        switch (allocator) {
            case "percpu32g":
                named = NamedAllocator.create("percpu", null, "32g");
                break;
            case "pooled":
                named = NamedAllocator.create("pooled-default");
                break;
            default:
                named = NamedAllocator.create(allocator);
        }
        alloc = named.allocator();
        for (int i = 0; i < RING; i++) {
            ring[i] = alloc.directBuffer(size);
        }
    }

    @TearDown
    public void empty() {
        for (ByteBuf b : ring) {
            b.release();
        }
        if (alloc instanceof PercpuByteBufAllocator) {
            PercpuByteBufAllocator percpu = (PercpuByteBufAllocator) alloc;
            System.out.println("percpu: fallbacks=" + percpu.fallbacks() + " largeBuffers=" + percpu.largeBuffers()
                + " committedBytes=" + percpu.committedBytes() + " maxMemory=" + percpu.maxMemory());
        }
        named.close();
    }

    @Benchmark
    @Threads(1)
    public ByteBuf replace() {
        long x = seed;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        seed = x;
        int i = (int) x & (RING - 1);
        ring[i].release();
        ByteBuf b = alloc.directBuffer(size);
        ring[i] = b;
        return b;
    }
}
