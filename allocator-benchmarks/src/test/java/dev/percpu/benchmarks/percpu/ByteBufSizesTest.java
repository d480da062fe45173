package dev.percpu.benchmarks.percpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The size tables the {@code ByteBuf} benchmarks share. */
class ByteBufSizesTest {
    @Test
    void random16kHoldsSizesOfOneByteTo16KiBInEveryBandAndAPowerOfTwoOfThem() {
        int[] sizes = ByteBufSizes.sizes("random16k");
        assertSame(ByteBufSizes.RANDOM_16K, sizes);
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
        assertArrayEquals(new int[] {4096}, ByteBufSizes.sizes("4096"));
    }
}
