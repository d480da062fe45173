package dev.percpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

/** A pool's statistics as Agrona counters in a {@link CountersManager} of the caller's. */
class PoolCountersTest {
    @Test
    void shouldExportStatsAsAgronaCountersThatAnotherReaderSees() {
        CountersManager manager = new CountersManager(new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        try (SlabAllocator allocator = SlabAllocator.create(
            SlabConfig.builder().slotSize(64).capacitySlots(100).build());
             PoolCounters counters = PoolCounters.register(manager, "demo", allocator::stats)) {
            long[] held = new long[30];
            assertEquals(30, allocator.allocate(held, 30));
            counters.update();
            assertEquals(30, counters.counter("inUse").get());
            assertEquals(allocator.stats().depotFree(), counters.counter("depotFree").get());

            List<String> labels = new ArrayList<>();
            CountersReader reader = manager;
            reader.forEach((id, typeId, key, label) -> {
                if (typeId == PoolCounters.TYPE_ID) {
                    labels.add(label + "=" + reader.getCounterValue(id));
                }
            });
            assertEquals(PoolCounters.figureNames().size() + allocator.stats().cpus(), labels.size());
            assertTrue(labels.contains("percpu demo: inUse=30"), labels.toString());

            allocator.free(held, 30);
            counters.update();
            assertEquals(0, counters.counter("inUse").get());
            assertThrows(IllegalArgumentException.class, () -> counters.counter("nope"));
        }
        int[] left = {0};
        manager.forEach((id, typeId, key, label) -> left[0]++);
        assertEquals(0, left[0], "close freed the counters");
    }
}
