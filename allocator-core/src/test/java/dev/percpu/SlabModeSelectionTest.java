package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a {@link SlabAllocator}'s mode is chosen where rseq is available: {@link Mode#AUTO} picks
 * {@link Mode#RSEQ}, and the builder wins over the system property. Skips only where the set-up
 * declares no registration (RseqAvailability).
 */
class SlabModeSelectionTest {
    @BeforeEach
    void needRseq() {
        RseqAvailability.requireRseq();
    }

    @Test
    void shouldPickRseqInAutoModeWhereAvailable() {
        try (SlabAllocator allocator = SlabAllocator.create(
            SlabConfig.builder().slotSize(64).capacitySlots(8).mode(Mode.AUTO).build())) {
            assertEquals(Mode.RSEQ, allocator.mode());
        }
    }

    @Test
    void shouldLetTheBuilderWinOverTheSystemProperty() {
        String old = System.getProperty(PercpuProperties.MODE);
        try {
            System.setProperty(PercpuProperties.MODE, "fallback");
            try (SlabAllocator fromProperty = SlabAllocator.create(
                SlabConfig.builder().slotSize(64).capacitySlots(8).build())) {
                assertEquals(Mode.FALLBACK, fromProperty.mode());
            }
            try (SlabAllocator fromBuilder = SlabAllocator.create(
                SlabConfig.builder().slotSize(64).capacitySlots(8).mode(Mode.RSEQ).build())) {
                assertEquals(Mode.RSEQ, fromBuilder.mode());
            }
            System.setProperty(PercpuProperties.MODE, "bogus");
            assertThrows(IllegalArgumentException.class,
                () -> SlabConfig.builder().slotSize(64).capacitySlots(8).build());
        } finally {
            if (old == null) {
                System.clearProperty(PercpuProperties.MODE);
            } else {
                System.setProperty(PercpuProperties.MODE, old);
            }
        }
    }
}
