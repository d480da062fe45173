package dev.percpu.examples.bench.percpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.netty.PercpuByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The size tables and allocator names the {@code ByteBuf} benchmarks share. */
class ByteBufAllocatorsTest {
    @Test
    void random16kHoldsSizesOfOneByteTo16KiBInEveryBandAndAPowerOfTwoOfThem() {
        int[] sizes = ByteBufAllocators.sizes("random16k");
        assertSame(ByteBufAllocators.RANDOM_16K, sizes);
        assertEquals(1, Integer.bitCount(sizes.length), "length " + sizes.length + " is not a power of two");
        int[] perBand = new int[11];
        for (int size : sizes) {
            assertTrue(size >= 1 && size <= 16384, "size " + size + " outside [1, 16384]");
            int band = size <= 16 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1) - 4;
            perBand[band]++;
        }
        for (int band = 0; band < perBand.length; band++) {
            // Each band is drawn with probability 1/11: far from its expected count means the draw is wrong.
            assertTrue(Math.abs(perBand[band] - sizes.length / 11) < sizes.length / 50,
                "band " + band + " holds " + perBand[band] + " of " + sizes.length);
        }
    }

    @Test
    void aFixedSizeIsATableOfOne() {
        assertArrayEquals(new int[] {4096}, ByteBufAllocators.sizes("4096"));
    }

    @Test
    void percpuDefaultIsTheSharedAllocatorAndClosingItLeavesItOpen() {
        PercpuByteBufAllocator allocator = (PercpuByteBufAllocator) ByteBufAllocators.create("percpuDefault");
        assertSame(PercpuByteBufAllocator.DEFAULT, allocator);
        ByteBufAllocators.close(allocator);
        assertFalse(allocator.isClosed(), "DEFAULT was closed");
    }
}
