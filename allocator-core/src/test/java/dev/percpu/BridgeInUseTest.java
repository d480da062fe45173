package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.properties.PercpuProperties;
import org.junit.jupiter.api.Test;

/** The allocator tests of this run go through the bridge the build forced (jni, or ffm on JDK 22+). */
class BridgeInUseTest {
    @Test
    void shouldAllocateThroughTheRequestedBridge() {
        String requested = System.getProperty(PercpuProperties.BRIDGE);
        assumeTrue(requested != null && !requested.equals("auto"), "no bridge forced");
        try (SlabAllocator allocator = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(8).build())) {
            assertEquals(requested, allocator.bridgeName());
            allocator.free(allocator.allocate());
        }
    }
}
