package dev.percpu.benchmarks.baselines;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.benchmarks.support.FastThreadLocalExecutor;
import dev.percpu.benchmarks.support.UnsafeAccess;
import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import sun.misc.Unsafe;

/**
 * Netty's own allocation pattern: every benchmark thread keeps a
 * ring of {@value #RING} live buffers of {@code size} bytes; one operation
 * picks a random index (a per-thread xorshift generator, no allocation),
 * frees the buffer there and allocates a new one into its place.
 * Nanoseconds per free + allocate, per thread. Unlike the pairs and batches
 * of the {@code Matrix*Bench} classes, the buffer freed is almost never the
 * one allocated last, and thousands of buffers stay live, so the allocator's
 * caches and free lists see a scattered order.
 *
 * <p>Memory: each thread fills its ring in its trial setup and frees all of
 * it in its trial teardown; the allocator is shared by all threads. With 16
 * threads that is 131072 live buffers: 8 MiB of 64 B, 512 MiB of 4 KiB.
 * 64 KiB buffers would need 8192 x 64 KiB = 512 MiB per thread (8 GiB with
 * 16 threads), which is why the sizes stop at 4 KiB. percpu and the Netty
 * allocators do not write to the buffers (pages they never touch stay
 * uncommitted); {@code allocateDirect} zeroes every buffer and {@code malloc}
 * writes its headers, so their rings are resident.
 *
 * <p>Allocators ({@code allocator}):
 * <ul>
 *   <li>{@code percpu}: a {@link SlabAllocator}, rseq mode, default per-CPU
 *       capacity (512) and batch (32), 262144 slots (16 x 8192, times 2),
 *       16 MiB or 1 GiB reserved with {@code MAP_NORESERVE};
 *       {@code free(address)} then {@code allocate()}; the teardown fails the
 *       run if any slot is still in use (leak check).</li>
 *   <li>{@code nettyPooled}: a {@code PooledByteBufAllocator} with Netty's
 *       default arenas, page size and max order but no thread cache (cache
 *       sizes 0; {@link NamedAllocator}'s {@code pooled-direct-uncached});
 *       {@code release()} then {@code directBuffer(size)}.</li>
 *   <li>{@code nettyPooledCached}: the same with default cache sizes and
 *       {@code useCacheForAllThreads = true} (as {@link MatrixNettyPooledBench}'s
 *       {@code cache=allThreads}).</li>
 *   <li>{@code nettyAdaptive}: a {@code new AdaptiveByteBufAllocator()}.</li>
 *   <li>{@code allocateDirect}: {@code ByteBuffer.allocateDirect(size)}, freed
 *       with {@code Unsafe.invokeCleaner(buffer)}.</li>
 *   <li>{@code unsafe}: {@code Unsafe.allocateMemory(size)} and
 *       {@code freeMemory(address)}.</li>
 * </ul>
 * The benchmark threads are Netty {@code FastThreadLocalThread}s
 * ({@link FastThreadLocalExecutor}) for every allocator, as on an event
 * loop, so the Netty rows have their {@code Recycler} and magazines as in a
 * Netty server (see {@link MatrixNettyPooledBench} and
 * {@link MatrixNettyAdaptiveBench}); for the others the thread class makes no
 * difference.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor"})
@State(Scope.Benchmark)
public class RingBench extends BenchmarkSettings {
    /** Live buffers per thread (a power of two: the index is 13 random bits). */
    static final int RING = 8192;
    private static final int PERCPU = 0;
    private static final int NETTY = 1;
    private static final int ALLOCATE_DIRECT = 2;
    private static final int UNSAFE = 3;

    @Param({"percpu", "nettyPooled", "nettyPooledCached", "nettyAdaptive", "allocateDirect", "unsafe"})
    public String allocator;

    @Param({"64", "4096"})
    public int size;

    private int kind;
    private SlabAllocator percpu;
    private ByteBufAllocator netty;
    private Unsafe unsafe;
    /**
     * Rings filled and not yet emptied. JMH tears the shared state down on
     * the first thread done with its own teardown, while the others may still
     * be emptying their rings, so {@link #close()} waits for this to reach 0.
     */
    private final AtomicInteger liveRings = new AtomicInteger();

    /** One thread's ring (only the array for the allocator's kind is used) and random generator. */
    @State(Scope.Thread)
    public static class Ring {
        long[] addresses;
        ByteBuf[] bufs;
        ByteBuffer[] buffers;
        private long random;

        @Setup
        public void fill(RingBench bench) {
            random = ThreadLocalRandom.current().nextLong() | 1;
            switch (bench.kind) {
                case PERCPU:
                    addresses = new long[RING];
                    int got = bench.percpu.allocate(addresses, RING);
                    if (got != RING) {
                        bench.percpu.free(addresses, got);
                        throw new IllegalStateException("percpu pool too small for " + RING + " slots");
                    }
                    break;
                case UNSAFE:
                    addresses = new long[RING];
                    for (int i = 0; i < RING; i++) {
                        addresses[i] = bench.unsafe.allocateMemory(bench.size);
                    }
                    break;
                case NETTY:
                    bufs = new ByteBuf[RING];
                    for (int i = 0; i < RING; i++) {
                        bufs[i] = bench.netty.directBuffer(bench.size);
                    }
                    break;
                default:
                    buffers = new ByteBuffer[RING];
                    for (int i = 0; i < RING; i++) {
                        buffers[i] = ByteBuffer.allocateDirect(bench.size);
                    }
            }
            bench.liveRings.incrementAndGet();
        }

        @TearDown
        public void empty(RingBench bench) {
            switch (bench.kind) {
                case PERCPU:
                    bench.percpu.free(addresses, RING);
                    break;
                case UNSAFE:
                    for (long address : addresses) {
                        bench.unsafe.freeMemory(address);
                    }
                    break;
                case NETTY:
                    for (ByteBuf buf : bufs) {
                        buf.release();
                    }
                    break;
                default:
                    for (ByteBuffer buffer : buffers) {
                        bench.unsafe.invokeCleaner(buffer);
                    }
            }
            addresses = null;
            bufs = null;
            buffers = null;
            bench.liveRings.decrementAndGet();
        }

        /** xorshift64; the top 13 bits are the index. */
        int nextIndex() {
            long x = random;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            random = x;
            return (int) (x >>> 51);
        }
    }

    @Setup
    public void open() {
        unsafe = UnsafeAccess.unsafe();
        switch (allocator) {
            case "percpu":
                kind = PERCPU;
                percpu = SlabAllocator.create(SlabConfig.builder().slotSize(size).capacitySlots(2 * 16 * RING)
                    .mode(dev.percpu.runtime.Mode.RSEQ).build());
                break;
            case "nettyPooled":
            case "nettyPooledCached":
                kind = NETTY;
                netty = NamedAllocator.create(allocator.equals("nettyPooledCached") ? "pooled-direct-cached"
                    : "pooled-direct-uncached").allocator();
                break;
            case "nettyAdaptive":
                kind = NETTY;
                netty = NamedAllocator.create("adaptive").allocator();
                break;
            case "allocateDirect":
                kind = ALLOCATE_DIRECT;
                break;
            case "unsafe":
                kind = UNSAFE;
                break;
            default:
                throw new IllegalArgumentException("allocator " + allocator);
        }
    }

    @TearDown
    public void close() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (liveRings.get() != 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(liveRings.get() + " rings not emptied after 60 s");
            }
            Thread.sleep(1);
        }
        if (percpu != null) {
            long inUse = percpu.stats().inUse();
            percpu.close();
            if (inUse != 0) {
                throw new IllegalStateException(inUse + " slots still in use after the run");
            }
        }
    }

    @Benchmark
    @Threads(1)
    public void oneThread(Ring ring) {
        replace(ring);
    }

    @Benchmark
    @Threads(2)
    public void twoThreads(Ring ring) {
        replace(ring);
    }

    @Benchmark
    @Threads(16)
    public void sixteenThreads(Ring ring) {
        replace(ring);
    }

    /** Frees the buffer at a random index and allocates a new one there (the ring holds the result). */
    private void replace(Ring ring) {
        int i = ring.nextIndex();
        switch (kind) {
            case PERCPU:
                percpu.free(ring.addresses[i]);
                ring.addresses[i] = percpu.allocate();
                break;
            case NETTY:
                ring.bufs[i].release();
                ring.bufs[i] = netty.directBuffer(size);
                break;
            case ALLOCATE_DIRECT:
                unsafe.invokeCleaner(ring.buffers[i]);
                ring.buffers[i] = ByteBuffer.allocateDirect(size);
                break;
            default:
                unsafe.freeMemory(ring.addresses[i]);
                ring.addresses[i] = unsafe.allocateMemory(size);
        }
    }
}
