package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.blocks.ClassBlocks;
import dev.percpu.blocks.ClassBlocksAccess;
import dev.percpu.bridge.MemoryCalls;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A size-class allocator's blocks by index ({@link ClassBlocks}: take, give back, address and view
 * ahead of use), {@link SizeClassAllocator#view(long)}, and large blocks.
 */
class BlockViewTest {

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldHandOutEveryBlockOfAClassByIndexExactlyOnce(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        try (SizeClassAllocator allocator = SizeClassAllocator.create(SizeClassConfig.builder().mode(mode)
            .capacityBytesPerClass(1 << 20).build())) {
            ClassBlocks blocks = ClassBlocksAccess.of(allocator);
            for (int c = 0; c < allocator.classCount(); c++) {
                int size = allocator.classSize(c);
                int slots = blocks.blocks(c);
                assertEquals(allocator.stats(c).slots(), slots);
                Set<Integer> taken = new HashSet<>();
                for (int block = blocks.tryTake(c); block >= 0; block = blocks.tryTake(c)) {
                    assertTrue(block < slots, "index in range for class " + size);
                    assertTrue(taken.add(block), "each block handed out once");
                }
                assertEquals(slots, taken.size(), "every block of class " + size + " handed out, then -1");
                long address = blocks.address(c, 0);
                ByteBuffer view = allocator.view(address);
                assertEquals(size, view.capacity());
                assertEquals(ByteOrder.BIG_ENDIAN, view.order());
                assertTrue(view.isDirect());
                view.putLong(size - 8, 0x0102030405060708L);
                assertEquals(0x0807060504030201L, MemoryCalls.view(address + size - 8, 8)
                    .order(ByteOrder.LITTLE_ENDIAN).getLong(0), "the view is the block's memory");
                assertThrows(IllegalArgumentException.class, () -> allocator.view(address + 8), "not a block start");
                for (int block : taken) {
                    blocks.giveBack(c, block);
                }
                assertEquals(0, allocator.stats(c).inUse(), "every block back");
            }
            assertThrows(IllegalArgumentException.class, () -> allocator.view(8));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldGiveAddressesAndViewsOfBlocksNotHandedOutYet(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        SizeClassAllocator allocator = SizeClassAllocator.create(SizeClassConfig.builder().mode(mode)
            .capacityBytesPerClass(1 << 20).build());
        ClassBlocks blocks = ClassBlocksAccess.of(allocator);
        int c = allocator.classOf(4096);
        int slots = blocks.blocks(c);
        int last = slots - 1;
        assertEquals(0, allocator.stats(c).carvedSlots(), "nothing handed out yet");
        assertEquals(blocks.address(c, 0) + 4096L * last, blocks.address(c, last));
        ByteBuffer ahead = blocks.viewAhead(c, last);
        assertEquals(4096, ahead.capacity());
        assertEquals(ByteOrder.BIG_ENDIAN, ahead.order());
        assertThrows(IllegalArgumentException.class, () -> allocator.view(blocks.address(c, last)),
            "view() still takes only blocks handed out");
        long first = allocator.allocate(4096);
        int index = (int) ((first - blocks.address(c, 0)) / 4096);
        assertTrue(index >= 0 && index < slots, "a block of the class's range");
        assertEquals(first, blocks.address(c, index));
        blocks.viewAhead(c, index).putLong(0, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, allocator.view(first).getLong(0), "the same memory as view()");
        allocator.free(first);
        assertThrows(IndexOutOfBoundsException.class, () -> blocks.address(c, slots));
        assertThrows(IndexOutOfBoundsException.class, () -> blocks.viewAhead(c, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> blocks.viewAhead(allocator.classCount(), 0));
        allocator.close();
        assertThrows(IllegalStateException.class, () -> blocks.viewAhead(c, 0));
        assertThrows(IllegalStateException.class, () -> blocks.tryTake(c));
    }

    @Test
    void shouldReportTheBlocksHandedOutInDebugModeWithoutClosing() {
        java.util.List<LeakReport> reports = new java.util.ArrayList<>();
        try (SizeClassAllocator allocator = SizeClassAllocator.create(SizeClassConfig.builder().debug(true)
            .leakHandler(reports::add).capacityBytesPerClass(1 << 20).build())) {
            ClassBlocks blocks = ClassBlocksAccess.of(allocator);
            int c = allocator.classOf(64);
            int block = blocks.tryTake(c);
            assertEquals(1, blocks.reportLeaks());
            assertEquals(1, reports.size());
            assertFalse(allocator.isClosed());
            blocks.giveBack(c, block);
            assertThrows(IllegalArgumentException.class, () -> blocks.giveBack(c, block),
                "debug mode catches a block given back twice");
            assertEquals(0, blocks.reportLeaks());
        }
        assertEquals(1, reports.size(), "nothing left to report at close");
    }

    @Test
    void shouldServePageRoundedLargeBlocksFromOneRangeAndHandThemBack() {
        try (SizeClassAllocator allocator = SizeClassAllocator.create(SizeClassConfig.builder().maxMemory(64L << 20)
            .handBackAfter(java.time.Duration.ZERO).build())) {
            long block = allocator.allocate(3 << 20 | 1);
            assertEquals((3 << 20) + 4096, allocator.usableSize(block));
            assertEquals(0, block % 4096);
            assertEquals(allocator.usableSize(block), allocator.view(block).capacity());
            allocator.view(block).putInt(allocator.usableSize(block) - 4, 7);
            assertEquals(7, allocator.view(block).getInt(allocator.usableSize(block) - 4));
            assertEquals((3 << 20) + 4096, allocator.largeBytes());
            assertEquals(allocator.largeBytes(), allocator.committedBytes(), "a large block is charged to the budget");
            allocator.free(block);
            assertEquals(0, allocator.committedBytes(), "and handed back at its free");
            assertThrows(IllegalArgumentException.class, () -> allocator.free(block), "a second free is refused");
            assertEquals(block, allocator.allocate(3 << 20), "the range is reused");
            assertThrows(IllegalArgumentException.class, () -> allocator.allocate(Integer.MAX_VALUE));
            PoolExhaustedException over = assertThrows(PoolExhaustedException.class,
                () -> allocator.allocate(100 << 20));
            assertTrue(over.getMessage().contains("budget"), over.getMessage());
        }
    }
}
