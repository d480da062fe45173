package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.PercpuRuntime;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Single-thread behaviour of the rseq stack operations through the bridge. */
class StackOpsTest {
    private final StackCalls bridge = Bridges.stacks();
    private long block;

    @BeforeEach
    void setUp() {
        RseqAvailability.requireRseq();
        block = BlockCalls.createBlock(RseqCalls.possibleCpus(), 4);
    }

    @AfterEach
    void tearDown() {
        if (block != 0) {
            BlockCalls.destroyBlock(block);
        }
    }

    /** requireRseq (in setUp) already asserted the registration the set-up declares; here the sections run. */
    @Test
    void shouldRunInRseqModeWithTheRegistrationTheSetupDeclares() {
        assertNotEquals(NativeCodes.RSEQ_UNAVAILABLE, RseqCalls.rseqStatus());
        RseqAvailability.expectedRegistration().ifPresent(expected ->
            assertEquals(expected, PercpuRuntime.registration(), "declared by " + RseqAvailability.VARIABLE));
        assertNotEquals(NativeCodes.NO_RSEQ, bridge.pop(block, false));
    }

    @Test
    void shouldBeLifoAndReportEmptyAndFullPerCpu() {
        // Each call may run on a different CPU; retry a round until it stayed on one CPU.
        for (int attempt = 0; attempt < 100; attempt++) {
            int cpu = RseqCalls.currentCpu();
            drain();
            int[] in = {11, 12, 13, 14, 15};
            int pushed = bridge.pushBatch(block, false, in, 0, 5);
            int full = bridge.push(block, false, 99);
            int top = bridge.pop(block, false);
            int[] out = new int[8];
            int popped = bridge.popBatch(block, false, out, 0, 8);
            int empty = bridge.pop(block, false);
            if (RseqCalls.currentCpu() != cpu) {
                continue;
            }
            assertEquals(4, pushed, "a batch push stops at capacity");
            assertEquals(NativeCodes.FULL, full);
            assertEquals(14, top, "last in, first out");
            assertEquals(3, popped);
            assertEquals(11, out[0]);
            assertEquals(13, out[2]);
            assertEquals(NativeCodes.EMPTY, empty);
            return;
        }
        throw new AssertionError("migrated during every one of 100 rounds");
    }

    /** An index array made by the binding carries the same indices through its batch calls as a plain array. */
    @Test
    void shouldMoveIndicesThroughAnIndexArrayInBothModes() {
        for (boolean fallback : new boolean[] {false, true}) {
            for (int attempt = 0; ; attempt++) {
                int cpu = RseqCalls.currentCpu();
                drain();
                IndexArray batch = bridge.newIndexArray(4);
                int[] values = batch.values();
                values[0] = 21;
                values[1] = 22;
                values[2] = 23;
                int pushed = bridge.pushBatch(block, fallback, batch, 0, 3);
                Arrays.fill(values, -1);
                int popped = bridge.popBatch(block, fallback, batch, 1, 3);
                if (RseqCalls.currentCpu() == cpu) {
                    assertEquals(3, pushed, "fallback " + fallback);
                    assertEquals(3, popped, "fallback " + fallback);
                    assertEquals(List.of(-1, 21, 22, 23), List.of(values[0], values[1], values[2], values[3]),
                        "a batch pops in the order it was pushed, at the offset, fallback " + fallback);
                    break;
                }
                assertTrue(attempt < 100, "migrated during every one of 100 rounds");
            }
        }
        IndexArray two = bridge.newIndexArray(2);
        assertThrows(IndexOutOfBoundsException.class, () -> bridge.popBatch(block, false, two, 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> bridge.pushBatch(block, true, two, -1, 1));
        assertEquals(0, bridge.pushBatch(block, false, two, 2, 0), "an empty batch crosses nothing");
    }

    /** Batch calls on an index array allocate nothing on the heap, from a thread's first: its view came with it. */
    @Test
    void shouldAllocateNothingOnANewThreadsFirstBatchCallsOnAnIndexArray() throws Exception {
        IndexArray batch = bridge.newIndexArray(4);
        long[] charged = {-1};
        for (int i = 0; i < 20_000; i++) {
            pushAndPop(batch, charged);
        }
        Thread thread = new Thread(() -> pushAndPop(batch, charged), "first-batch-call");
        thread.start();
        thread.join();
        assertEquals(0, charged[0], "a new thread's first batch calls on the " + bridge.name() + " bridge allocated "
            + charged[0] + " bytes");
    }

    /** Pushes two indices and pops up to two, storing the heap bytes that allocated. */
    private void pushAndPop(IndexArray batch, long[] charged) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.getCurrentThreadAllocatedBytes();
        long before = threads.getCurrentThreadAllocatedBytes();
        batch.values()[0] = 1;
        batch.values()[1] = 2;
        bridge.pushBatch(block, false, batch, 0, 2);
        bridge.popBatch(block, false, batch, 0, 2);
        charged[0] = threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void shouldRejectArrayRangesBeforeCrossingIntoC() {
        int[] small = new int[2];
        assertThrows(IndexOutOfBoundsException.class, () -> bridge.popBatch(block, false, small, 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> bridge.pushBatch(block, false, small, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> bridge.pushBatch(block, true, small, 0, 3));
        long[] two = new long[2];
        assertThrows(IndexOutOfBoundsException.class, () -> bridge.popAddresses(block, false, two, 1, 2, 0, 12));
        assertThrows(IndexOutOfBoundsException.class,
            () -> bridge.pushAddresses(block, true, two, -1, 1, 0, 12, 4096));
        assertThrows(IllegalArgumentException.class, () -> BlockCalls.createBlock(0, 4));
        assertThrows(IllegalArgumentException.class, () -> BlockCalls.createBlock(1, 1 << 30));
        assertThrows(IllegalArgumentException.class, () -> RseqCalls.restartLimit(0));
    }

    /**
     * The address batches (rseq and fallback): addresses come back as
     * region + (index << shift), across more than one 64-index chunk and at
     * an array offset; one bad address anywhere in a push (not a slot start,
     * at or beyond the limit, below the region) returns BAD_ADDRESS and
     * leaves the stack as it was. Pinned to CPU 0 (PinnedRun): the pops must
     * see the pushes' stack.
     */
    @Test
    void shouldMoveSlotAddressesAndCheckEveryOneBeforePushing() throws Exception {
        PinnedRun.onCpu(0, cpu -> moveSlotAddresses());
    }

    private void moveSlotAddresses() {
        long big = BlockCalls.createBlock(RseqCalls.possibleCpus(), 256);
        try {
            long region = 1L << 40;
            int shift = 12;
            long limit = 200L << shift;
            long[] addresses = new long[200];
            for (int i = 0; i < addresses.length; i++) {
                addresses[i] = region + ((long) i << shift);
            }
            for (boolean fallback : new boolean[] {false, true}) {
                for (long bad : new long[] {addresses[150] + 8, region + limit, region - (1L << shift), 0}) {
                    long[] batch = addresses.clone();
                    batch[150] = bad;
                    assertEquals(NativeCodes.BAD_ADDRESS,
                        bridge.pushAddresses(big, fallback, batch, 0, 200, region, shift, limit),
                        "0x" + Long.toHexString(bad) + " is rejected");
                }
                long[] out = new long[210];
                assertEquals(0, bridge.popAddresses(big, fallback, out, 0, 10, region, shift),
                    "a rejected push pushed nothing");
                assertEquals(200, bridge.pushAddresses(big, fallback, addresses, 0, 200, region, shift, limit));
                assertEquals(200, bridge.popAddresses(big, fallback, out, 5, 205, region, shift));
                long[] back = java.util.Arrays.copyOfRange(out, 5, 205);
                java.util.Arrays.sort(back);
                assertTrue(java.util.Arrays.equals(addresses, back), "the same 200 addresses came back");
                assertEquals(0, out[0], "nothing written before the offset");
            }
        } finally {
            BlockCalls.destroyBlock(big);
        }
    }

    @Test
    void shouldLeaveAStoppedStackAlone() {
        ByteBuffer view = MemoryCalls.view(block, StackLayout.cpuHeaderOffset(RseqCalls.possibleCpus()));
        for (int cpu = 0; cpu < RseqCalls.possibleCpus(); cpu++) {
            view.putInt((int) StackLayout.cpuHeaderOffset(cpu) + StackLayout.STOPPED_OFFSET, 1);
        }
        assertEquals(NativeCodes.STOPPED, bridge.push(block, false, 1));
        assertEquals(NativeCodes.STOPPED, bridge.pop(block, false));
        assertEquals(NativeCodes.STOPPED, bridge.push(block, true, 1));
        for (int cpu = 0; cpu < RseqCalls.possibleCpus(); cpu++) {
            int hdr = (int) StackLayout.cpuHeaderOffset(cpu);
            assertEquals(0, view.getInt(hdr + StackLayout.TOP_OFFSET), "a stopped stack is not modified");
            view.putInt(hdr + StackLayout.STOPPED_OFFSET, 0);
        }
    }

    @Test
    void shouldGiveUpAfterTheRestartLimitWhenEverySectionAborts() {
        int limit = RseqCalls.restartLimit();
        RseqCalls.restartLimit(5);
        long before = RseqCalls.threadAborts();
        RseqCalls.forceAbort(true);
        int pop;
        int push;
        try {
            pop = bridge.pop(block, false);
            push = bridge.push(block, false, 3);
        } finally {
            RseqCalls.forceAbort(false);
            RseqCalls.restartLimit(limit);
        }
        assertEquals(NativeCodes.RESTART_LIMIT, pop);
        assertEquals(NativeCodes.RESTART_LIMIT, push);
        assertEquals(10, RseqCalls.threadAborts() - before, "each call aborted exactly limit times");
        int again = bridge.push(block, false, 3);
        assertTrue(again >= 0 || again == NativeCodes.FULL, "works again after the hook");
    }

    /** Empties every CPU's stack; only this thread uses the block, so writing top directly is safe. */
    private void drain() {
        ByteBuffer view = MemoryCalls.view(block, StackLayout.cpuHeaderOffset(RseqCalls.possibleCpus()));
        for (int cpu = 0; cpu < RseqCalls.possibleCpus(); cpu++) {
            view.putInt((int) StackLayout.cpuHeaderOffset(cpu) + StackLayout.TOP_OFFSET, 0);
        }
    }
}
