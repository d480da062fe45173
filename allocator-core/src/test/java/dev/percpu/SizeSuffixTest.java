package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sizes with k/m/g suffixes in the builders. */
class SizeSuffixTest {
    @Test
    void shouldAcceptSizesWithSuffixes() {
        SlabConfig config = SlabConfig.builder().slotSize("4k").capacityBytes("1m").build();
        assertEquals(4096, config.slotSize());
        assertEquals(256, config.slots());
        assertEquals(64L << 20, SizeClassConfig.builder().capacityBytesPerClass("64M").build().capacityBytesPerClass());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> SlabConfig.builder().slotSize(64).capacityBytes("12 parsecs"));
        assertTrue(bad.getMessage().contains("capacityBytes"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SlabConfig.builder().slotSize(""));
        assertThrows(IllegalArgumentException.class, () -> SlabConfig.builder().slotSize("8g").capacitySlots(1).build());
    }
}
