package dev.percpu.examples.bench.percpu;

import dev.percpu.runtime.Mode;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The {@link ByteBufAllocator}s the {@code ByteBuf*} benchmarks compare, by
 * name, and the size tables. Settings:
 * <ul>
 *   <li>{@code percpuDefault}: {@link PercpuByteBufAllocator#DEFAULT}, as a drop-in
 *       gets it: mode from {@code percpu.mode} (rseq where the kernel has it), cap from
 *       the JVM's direct memory limit; never closed.</li>
 *   <li>{@code percpu}: {@link PercpuByteBufAllocator}, rseq mode, default
 *       classes (16 B to 1 MiB) and per-CPU cache (256 KiB per class per
 *       CPU), one {@value #PERCPU_MAX_MEMORY_GIB} GiB cap for every class and
 *       the large path.</li>
 *   <li>{@code pooled}: {@code new PooledByteBufAllocator(true)}: Netty's
 *       defaults; its thread caches serve only event-loop
 *       ({@code FastThreadLocalThread}) threads, and JMH's threads are plain
 *       threads, so this runs without thread caches.</li>
 *   <li>{@code pooledAllThreads}: the same arenas and default cache sizes with
 *       {@code useCacheForAllThreads = true}: a thread cache for every
 *       thread.</li>
 *   <li>{@code adaptive}: {@code new AdaptiveByteBufAllocator()} (Netty 4.2's
 *       default), default settings (plain threads share its magazines).</li>
 * </ul>
 */
final class ByteBufAllocators {
    static final int PERCPU_MAX_MEMORY_GIB = 4;
    /** Sizes of the {@code mix}: 70% up to 4 KiB, 27% 4 to 64 KiB, 3% 64 KiB to 1 MiB. */
    static final int[] MIX = mix(4096, 42);
    /**
     * Sizes of {@code random16k}, 1 B to 16 KiB: one of the 11 bands (0, 16], (16, 32], (32, 64], ...,
     * (8 KiB, 16 KiB] chosen uniformly, then a size uniformly within it, so each doubling of size is
     * as likely as the next (as in Netty's random-size allocator benchmark). 65,536 entries, long
     * enough that the branch predictor cannot learn the sequence.
     */
    static final int[] RANDOM_16K = random16k(1 << 16, 42);

    private ByteBufAllocators() {
    }

    static ByteBufAllocator create(String name) {
        switch (name) {
            case "percpuDefault":
                return PercpuByteBufAllocator.DEFAULT;
            case "percpu":
                return PercpuByteBufAllocator.builder().mode(Mode.RSEQ).maxMemory((long) PERCPU_MAX_MEMORY_GIB << 30)
                    .build();
            case "pooled":
                return new PooledByteBufAllocator(true);
            case "pooledAllThreads":
                return new PooledByteBufAllocator(true, PooledByteBufAllocator.defaultNumHeapArena(),
                    PooledByteBufAllocator.defaultNumDirectArena(), PooledByteBufAllocator.defaultPageSize(),
                    PooledByteBufAllocator.defaultMaxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                    PooledByteBufAllocator.defaultNormalCacheSize(), true);
            case "adaptive":
                return new AdaptiveByteBufAllocator();
            default:
                throw new IllegalArgumentException("no allocator " + name);
        }
    }

    /** Closes what can be closed (percpu, except {@link PercpuByteBufAllocator#DEFAULT}). */
    static void close(ByteBufAllocator allocator) {
        if (allocator instanceof PercpuByteBufAllocator && allocator != PercpuByteBufAllocator.DEFAULT) {
            ((PercpuByteBufAllocator) allocator).close();
        }
    }

    /** {@code "mix"}, {@code "random16k"} or a fixed size in bytes, as a table whose length is a power of two. */
    static int[] sizes(String size) {
        switch (size) {
            case "mix":
                return MIX;
            case "random16k":
                return RANDOM_16K;
            default:
                return new int[] {Integer.parseInt(size)};
        }
    }

    private static int[] random16k(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            int band = random.nextInt(11);
            int low = band == 0 ? 0 : 8 << band;
            int high = 16 << band;
            sizes[i] = low + 1 + random.nextInt(high - low);
        }
        return sizes;
    }

    private static int[] mix(int n, long seed) {
        Random random = new Random(seed);
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            int p = random.nextInt(100);
            sizes[i] = p < 70 ? 64 + random.nextInt(4096 - 64)
                : p < 97 ? 4096 + random.nextInt(60 << 10)
                : (64 << 10) + random.nextInt(960 << 10);
        }
        return sizes;
    }
}
