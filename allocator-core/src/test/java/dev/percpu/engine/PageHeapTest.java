package dev.percpu.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link PageHeap} against a model: random allocations and frees never hand out overlapping runs,
 * the budget is charged exactly the bytes in use, and freed runs merge so the range is whole again.
 */
class PageHeapTest {
    private static final long PAGE = PageHeap.PAGE;

    @Test
    void shouldNeverOverlapRunsAndChargeTheBudgetExactly() {
        Region range = Region.reserve(64 * 1024 * PAGE);
        MemoryBudget budget = new MemoryBudget(32 * 1024 * PAGE);
        PageHeap heap = new PageHeap(range, budget);
        try {
            SplittableRandom random = new SplittableRandom(3);
            TreeMap<Long, Long> live = new TreeMap<>();
            List<Long> addresses = new ArrayList<>();
            for (int step = 0; step < 50_000; step++) {
                if (addresses.isEmpty() || random.nextInt(100) < 55) {
                    long bytes = 1 + random.nextLong(300 * PAGE);
                    long address = heap.allocate(bytes);
                    if (address == 0) {
                        continue;
                    }
                    long length = (bytes + PAGE - 1) & -PAGE;
                    assertEquals(length, heap.sizeOf(address));
                    var below = live.floorEntry(address + length - 1);
                    assertTrue(below == null || below.getKey() + below.getValue() <= address,
                        "run at " + address + " overlaps one in use at " + below);
                    live.put(address, length);
                    addresses.add(address);
                } else {
                    long address = addresses.remove(random.nextInt(addresses.size()));
                    assertEquals(live.remove(address), heap.free(address));
                }
                long inUse = live.values().stream().mapToLong(Long::longValue).sum();
                assertEquals(inUse, heap.inUseBytes());
                assertEquals(inUse, budget.committedBytes(), "the budget counts exactly the runs in use");
                assertTrue(inUse <= budget.limitBytes());
            }
            for (long address : addresses) {
                heap.free(address);
            }
            assertEquals(0, budget.committedBytes());
            assertTrue(heap.allocate(64 * 1024 * PAGE - 1) == 0, "the budget, not the range, refuses");
            assertTrue(heap.lastRefusal().contains("budget"), heap.lastRefusal());
            long whole = heap.allocate(32 * 1024 * PAGE);
            assertTrue(whole != 0, "freed runs merged back into one");
            assertThrows(IllegalArgumentException.class, () -> heap.free(whole + PAGE));
            heap.free(whole);
        } finally {
            range.unmap();
        }
    }

    @Test
    void shouldRefuseAllocateAndFreeAfterCloseWithoutTouchingTheRange() {
        Region range = Region.reserve(16 * PAGE);
        MemoryBudget budget = new MemoryBudget(8 * PAGE);
        PageHeap heap = new PageHeap(range, budget);
        try {
            long held = heap.allocate(2 * PAGE);
            assertTrue(held != 0);
            heap.close();
            heap.close();
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> heap.allocate(PAGE));
            assertTrue(refused.getMessage().endsWith("is closed"), refused.getMessage());
            assertThrows(IllegalStateException.class, () -> heap.free(held));
            assertEquals(2 * PAGE, heap.inUseBytes(), "the refused free changed nothing");
            assertEquals(2 * PAGE, budget.committedBytes());
        } finally {
            range.unmap();
        }
    }
}
