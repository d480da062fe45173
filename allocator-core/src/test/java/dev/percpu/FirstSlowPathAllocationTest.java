package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.engine.PerCpuStacks;
import dev.percpu.runtime.Mode;
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
 * <p>The pool is warmed on the test's thread first, so the measured
 * threads find compiled code and a depot of carved slots; each new thread
 * then takes more slots than its CPU stack holds (refills) and frees them
 * all (flushes), and must be charged 0 bytes.
 */
class FirstSlowPathAllocationTest {
    private static final int PER_CPU = 64;
    private static final int TAKEN = 4 * PER_CPU;
    private static final int NEW_THREADS = 8;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldAllocateNothingOnANewThreadsFirstRefillsAndFlushes(Mode mode) throws Exception {
        if (mode == Mode.RSEQ) {
            dev.percpu.bridge.RseqAvailability.requireRseq();
        }
        SlabConfig config = SlabConfig.builder().slotSize(64).capacitySlots(8192).perCpuCapacity(PER_CPU)
            .batchSize(32).mode(mode).build();
        try (SlabAllocator allocator = SlabAllocator.create(config)) {
            long[] held = new long[TAKEN];
            long[] charged = new long[1];
            for (int round = 0; round < 20_000; round++) {
                takeAndFree(allocator, held, charged);
            }
            for (int t = 0; t < NEW_THREADS; t++) {
                Thread thread = new Thread(() -> takeAndFree(allocator, held, charged), "first-slow-path-" + t);
                thread.start();
                thread.join();
                assertEquals(0, charged[0], "a new thread's first " + TAKEN + " allocations and frees on "
                    + PerCpuStacks.bridgeName() + " in " + mode + " allocated " + charged[0] + " bytes");
            }
            assertEquals(0, allocator.stats().inUse(), "every slot came back");
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
