package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@link SizeClassAllocator#blockIndex(long)}, {@link SizeClassAllocator#view(long)}, the ahead forms
 * {@link SizeClassAllocator#blockAddress(int, int)} and {@link SizeClassAllocator#viewAhead(int, int)}, and
 * large blocks.
 */
class BlockViewTest {

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldNumberEveryBlockOfAClassAndViewExactlyIt(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        try (SizeClassAllocator allocator = SizeClassAllocator.create(SizeClassConfig.builder().mode(mode)
            .capacityBytesPerClass(1 << 20).build())) {
            for (int c = 0; c < allocator.classCount(); c++) {
                int size = allocator.classSize(c);
                int slots = allocator.stats(c).slots();
                Set<Integer> seen = new HashSet<>();
                long[] blocks = new long[Math.min(slots, 300)];
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = allocator.allocate(size);
                    int index = allocator.blockIndex(blocks[i]);
                    assertTrue(index >= 0 && index < slots, "index in range for class " + size);
                    assertTrue(seen.add(index), "distinct index");
                    assertThrows(IllegalArgumentException.class, () -> allocator.blockIndex(blocks[0] + 8),
                        "not a block start");
                }
                ByteBuffer view = allocator.view(blocks[0]);
                assertEquals(size, view.capacity());
                assertEquals(ByteOrder.BIG_ENDIAN, view.order());
                assertTrue(view.isDirect());
                view.putLong(size - 8, 0x0102030405060708L);
                assertEquals(0x0807060504030201L, MemoryCalls.view(blocks[0] + size - 8, 8)
                    .order(ByteOrder.LITTLE_ENDIAN).getLong(0), "the view is the block's memory");
                for (long b : blocks) {
                    allocator.free(b);
                }
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
        int c = allocator.classOf(4096);
        int slots = allocator.stats(c).slots();
        int last = slots - 1;
        assertEquals(0, allocator.stats(c).carvedSlots(), "nothing handed out yet");
        assertEquals(last, allocator.blockIndex(allocator.blockAddress(c, last)));
        assertEquals(allocator.blockAddress(c, 0) + 4096L * last, allocator.blockAddress(c, last));
        ByteBuffer ahead = allocator.viewAhead(c, last);
        assertEquals(4096, ahead.capacity());
        assertEquals(ByteOrder.BIG_ENDIAN, ahead.order());
        assertThrows(IllegalArgumentException.class, () -> allocator.view(allocator.blockAddress(c, last)),
            "view() still takes only blocks handed out");
        long first = allocator.allocate(4096);
        int index = allocator.blockIndex(first);
        assertEquals(first, allocator.blockAddress(c, index));
        allocator.viewAhead(c, index).putLong(0, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, allocator.view(first).getLong(0), "the same memory as view()");
        allocator.free(first);
        assertThrows(IndexOutOfBoundsException.class, () -> allocator.blockAddress(c, slots));
        assertThrows(IndexOutOfBoundsException.class, () -> allocator.viewAhead(c, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> allocator.viewAhead(allocator.classCount(), 0));
        allocator.close();
        assertThrows(IllegalStateException.class, () -> allocator.viewAhead(c, 0));
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
