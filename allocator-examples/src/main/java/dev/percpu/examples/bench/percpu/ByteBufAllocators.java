package dev.percpu.examples.bench.percpu;

import dev.percpu.runtime.Mode;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Random;

/**
 * The {@link ByteBufAllocator}s the {@code ByteBuf*} benchmarks compare, by
 * name, and the realistic size mix. Settings:
 * <ul>
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

    private ByteBufAllocators() {
    }

    static ByteBufAllocator create(String name) {
        switch (name) {
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

    /** Closes what can be closed (percpu). */
    static void close(ByteBufAllocator allocator) {
        if (allocator instanceof PercpuByteBufAllocator) {
            ((PercpuByteBufAllocator) allocator).close();
        }
    }

    /** {@code "mix"} or a fixed size in bytes, as a table of {@code n} sizes (a power of two). */
    static int[] sizes(String size) {
        return "mix".equals(size) ? MIX : new int[] {Integer.parseInt(size)};
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
