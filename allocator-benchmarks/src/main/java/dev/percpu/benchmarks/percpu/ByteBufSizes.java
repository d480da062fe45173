package dev.percpu.benchmarks.percpu;

import dev.percpu.examples.shared.NamedAllocator;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The buffer sizes the {@code ByteBuf*} benchmarks draw from, by the name of
 * their {@code size} parameter. The allocators they compare, by the name of
 * their {@code allocator} parameter ({@code percpuDefault}, {@code percpu},
 * {@code pooled}, {@code pooledAllThreads}, {@code adaptive}), are
 * {@link dev.percpu.examples.shared.NamedAllocator}'s, made by
 * {@link #allocator(String)}.
 */
final class ByteBufSizes {
    /** percpu's memory cap in the {@code percpu} allocator, for every class and the large path. */
    static final String PERCPU_MAX_MEMORY = "4g";
    /** Sizes of the {@code mix}: 70% up to 4 KiB, 27% 4 to 64 KiB, 3% 64 KiB to 1 MiB. */
    static final int[] MIX = mix(4096, 42);
    /**
     * Sizes of {@code random16k}, 1 B to 16 KiB: one of the 11 bands (0, 16], (16, 32], (32, 64], ...,
     * (8 KiB, 16 KiB] chosen uniformly, then a size uniformly within it, so each doubling of size is
     * as likely as the next (as in Netty's random-size allocator benchmark). 65,536 entries, long
     * enough that the branch predictor cannot learn the sequence.
     */
    static final int[] RANDOM_16K = random16k(1 << 16, 42);

    private ByteBufSizes() {
    }

    /** The allocator called {@code name}, percpu's in rseq mode with a {@value #PERCPU_MAX_MEMORY} cap. */
    static NamedAllocator allocator(String name) {
        return NamedAllocator.create(name, "rseq", PERCPU_MAX_MEMORY);
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
