package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The hand-written Java layout constants agree with the C compiler's
 * offsetof/sizeof, and NativeCodes' codes (results, registration status, fence
 * kinds) with their one C definition, percpu_codes.h, served by the same ids.
 */
class StackLayoutTest {

    private void assertField(int field, long javaValue, String name) {
        assertEquals(BlockCalls.layoutOffset(field), javaValue, name + ": Java and C disagree");
    }

    @Test
    void shouldAgreeWithTheCLayout() {
        assertField(StackLayout.FIELD_LINE, StackLayout.LINE, "LINE");
        assertField(StackLayout.FIELD_CPU_HEADER_SIZE, StackLayout.LINE, "cpu header size");
        assertField(StackLayout.FIELD_BLOCK_HEADER_SIZE, StackLayout.LINE, "block header size");
        assertField(StackLayout.FIELD_BLOCK_MAGIC, StackLayout.BLOCK_MAGIC_OFFSET, "magic");
        assertField(StackLayout.FIELD_BLOCK_NCPU, StackLayout.BLOCK_NCPU_OFFSET, "ncpu");
        assertField(StackLayout.FIELD_BLOCK_STRIDE, StackLayout.BLOCK_STRIDE_OFFSET, "stride");
        assertField(StackLayout.FIELD_BLOCK_MAPPING_SIZE, StackLayout.BLOCK_MAPPING_SIZE_OFFSET, "mapping size");
        assertField(StackLayout.FIELD_CPU_TOP, StackLayout.TOP_OFFSET, "top");
        assertField(StackLayout.FIELD_CPU_CAPACITY, StackLayout.CAPACITY_OFFSET, "capacity");
        assertField(StackLayout.FIELD_CPU_STOPPED, StackLayout.STOPPED_OFFSET, "stopped");
        assertField(StackLayout.FIELD_CPU_LOCK, StackLayout.LOCK_OFFSET, "lock");
        assertField(StackLayout.FIELD_CPU_SLOTS, StackLayout.SLOTS_OFFSET, "slots");
        assertField(StackLayout.FIELD_CPU_POPS, StackLayout.POPS_OFFSET, "pops");
        assertField(StackLayout.FIELD_CPU_PUSHES, StackLayout.PUSHES_OFFSET, "pushes");
        assertField(StackLayout.FIELD_CPU_ABORTS, StackLayout.ABORTS_OFFSET, "aborts");
        assertEquals(StackLayout.UNKNOWN_ID, BlockCalls.layoutOffset(999), "unknown field id");
    }

    @Test
    void shouldAgreeWithTheCResultCodes() {
        assertField(StackLayout.CONSTANT_EMPTY, NativeCodes.EMPTY, "EMPTY");
        assertField(StackLayout.CONSTANT_FULL, NativeCodes.FULL, "FULL");
        assertField(StackLayout.CONSTANT_NO_RSEQ, NativeCodes.NO_RSEQ, "NO_RSEQ");
        assertField(StackLayout.CONSTANT_RESTART_LIMIT, NativeCodes.RESTART_LIMIT, "RESTART_LIMIT");
        assertField(StackLayout.CONSTANT_STOPPED, NativeCodes.STOPPED, "STOPPED");
        assertField(StackLayout.CONSTANT_BUSY, NativeCodes.BUSY, "BUSY");
        assertField(StackLayout.CONSTANT_BAD_CPU, NativeCodes.BAD_CPU, "BAD_CPU");
        assertField(StackLayout.CONSTANT_BAD_ADDRESS, NativeCodes.BAD_ADDRESS, "BAD_ADDRESS");
    }

    @Test
    void shouldAgreeWithTheCRegistrationStatus() {
        assertField(StackLayout.CONSTANT_RSEQ_UNAVAILABLE, NativeCodes.RSEQ_UNAVAILABLE, "RSEQ_UNAVAILABLE");
        assertField(StackLayout.CONSTANT_RSEQ_GLIBC, NativeCodes.RSEQ_GLIBC, "RSEQ_GLIBC");
        assertField(StackLayout.CONSTANT_RSEQ_OWN, NativeCodes.RSEQ_OWN, "RSEQ_OWN");
    }

    @Test
    void shouldAgreeWithTheCFenceKinds() {
        assertField(StackLayout.CONSTANT_FENCE_MEMBARRIER, NativeCodes.FENCE_MEMBARRIER, "FENCE_MEMBARRIER");
        assertField(StackLayout.CONSTANT_FENCE_AFFINITY, NativeCodes.FENCE_AFFINITY, "FENCE_AFFINITY");
    }

    @Test
    void shouldLayOutANewBlockAsDrawn() {
        int ncpu = RseqCalls.possibleCpus();
        long block = BlockCalls.createBlock(ncpu, 10);
        try {
            java.nio.ByteBuffer view = MemoryCalls.view(block, StackLayout.cpuHeaderOffset(ncpu));
            assertEquals(0x50435055, view.getInt(StackLayout.BLOCK_MAGIC_OFFSET));
            assertEquals(ncpu, view.getInt(StackLayout.BLOCK_NCPU_OFFSET));
            assertEquals(10, view.getInt(StackLayout.BLOCK_STRIDE_OFFSET));
            long previousSlots = 0;
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int hdr = (int) StackLayout.cpuHeaderOffset(cpu);
                assertEquals(0, view.getInt(hdr + StackLayout.TOP_OFFSET));
                assertEquals(10, view.getInt(hdr + StackLayout.CAPACITY_OFFSET));
                long slots = view.getLong(hdr + StackLayout.SLOTS_OFFSET);
                assertEquals(0, slots % StackLayout.LINE, "slot arrays start on a 128-byte boundary");
                if (cpu > 0) {
                    assertEquals(StackLayout.LINE, slots - previousSlots, "10 entries round up to one line");
                }
                previousSlots = slots;
            }
        } finally {
            BlockCalls.destroyBlock(block);
        }
    }
}
