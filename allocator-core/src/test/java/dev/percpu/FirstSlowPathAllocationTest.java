package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A thread's first refills and flushes allocate nothing on the heap, with
 * either binding: the slow paths pass each depot's scratch array to the
 * batch calls, and the FFM binding's view of it (a heap segment) is made
 * once with the depot, not on each new thread's first call with it. A
 * zero-allocation loop that starts new threads (a pipeline run, a new
 * event loop) would otherwise be charged for that first call.
 *
 * <p>The test's thread first takes every slot once and frees them all, so
 * the depot's bookkeeping has reached its full size whatever CPUs the
 * threads later run on (the depot grows it as slots are first handed out,
 * on the refilling thread), then warms the code. Each new thread then
 * takes more slots than its CPU's stack holds (refills) and frees them all
 * (flushes), and must be charged 0 bytes.
 */
class FirstSlowPathAllocationTest {
    private static final int PER_CPU = 64;
    private static final int TAKEN = 4 * PER_CPU;
    private static final int NEW_THREADS = 8;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldAllocateNothingOnANewThreadsFirstRefillsAndFlushes(Mode mode) throws Exception {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        SlabConfig config = SlabConfig.builder().slotSize(64).capacitySlots(8192).perCpuCapacity(PER_CPU)
            .batchSize(32).mode(mode).build();
        try (SlabAllocator allocator = SlabAllocator.create(config)) {
            assertEquals(mode, allocator.mode());
            takeEverySlotOnce(allocator, config.slots());
            long[] held = new long[TAKEN];
            long[] charged = new long[1];
            for (int round = 0; round < 20_000; round++) {
                takeAndFree(allocator, held, charged);
            }
            for (int t = 0; t < NEW_THREADS; t++) {
                SlabStats before = allocator.stats();
                Thread thread = new Thread(() -> takeAndFree(allocator, held, charged), "first-slow-path-" + t);
                thread.start();
                thread.join();
                SlabStats after = allocator.stats();
                assertTrue(after.refills() > before.refills() && after.flushes() > before.flushes(),
                    "the new thread refilled and flushed: " + before + " -> " + after);
                assertEquals(0, charged[0], "a new thread's first " + TAKEN + " allocations and frees on the "
                    + PercpuRuntime.bridge() + " bridge in " + mode + " allocated " + charged[0] + " bytes");
            }
            assertEquals(0, allocator.stats().inUse(), "every slot came back");
        }
    }

    /** Takes all {@code slots} slots, then frees them. */
    private static void takeEverySlotOnce(SlabAllocator allocator, int slots) {
        long[] all = new long[slots];
        int taken = 0;
        for (long address; taken < slots && (address = allocator.tryAllocate()) != 0; ) {
            all[taken++] = address;
        }
        assertEquals(slots, taken, "every slot was handed out once");
        assertEquals(0, allocator.tryAllocate(), "the pool holds no more than its slots");
        for (long address : all) {
            allocator.free(address);
        }
    }

    /** Takes {@link #TAKEN} slots one by one, frees them all, and stores the bytes this allocated on the heap. */
    private static void takeAndFree(SlabAllocator allocator, long[] held, long[] charged) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.getCurrentThreadAllocatedBytes();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < held.length; i++) {
            held[i] = allocator.allocate();
        }
        for (long address : held) {
            allocator.free(address);
        }
        charged[0] = threads.getCurrentThreadAllocatedBytes() - before;
    }
}
