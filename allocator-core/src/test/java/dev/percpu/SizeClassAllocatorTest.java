package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link SizeClassAllocator} in both modes: class lookup, alignment, O(1) free, limits, close. */
class SizeClassAllocatorTest {
    private final List<SizeClassAllocator> opened = new ArrayList<>();

    private SizeClassAllocator open(Mode mode, UnaryOperator<SizeClassConfig.Builder> settings) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        SizeClassAllocator allocator = SizeClassAllocator.create(settings.apply(SizeClassConfig.builder().mode(mode)
            .capacityBytesPerClass(1 << 20)).build());
        opened.add(allocator);
        return allocator;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SizeClassAllocator::close);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeEverySizeFromTheSmallestClassThatFits(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b);
        assertEquals(mode, allocator.mode());
        assertEquals(39, allocator.classCount());
        assertEquals(65536, allocator.maxSize());
        for (int size = 1; size <= allocator.maxSize(); size++) {
            int c = allocator.classOf(size);
            assertTrue(allocator.classSize(c) >= size, "class fits " + size);
            assertTrue(c == 0 || allocator.classSize(c - 1) < size, "smallest class for " + size);
        }
        assertEquals(16, allocator.classSize(allocator.classOf(1)));
        assertEquals(48, allocator.classSize(allocator.classOf(33)));
        assertEquals(4096, allocator.classSize(allocator.classOf(4000)));
        assertEquals(8192, allocator.classSize(allocator.classOf(4097)));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldAlignEveryBlockTo16BytesAndPagesFrom4KiB(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b);
        List<Long> blocks = new ArrayList<>();
        for (int c = 0; c < allocator.classCount(); c++) {
            int size = allocator.classSize(c);
            for (int i = 0; i < 3; i++) {
                long a = allocator.allocate(size);
                blocks.add(a);
                assertEquals(0, a % 16, "16-byte aligned, class " + size);
                if (size >= 4096) {
                    assertEquals(0, a % 4096, "page aligned, class " + size);
                }
                assertEquals(size, allocator.usableSize(a));
            }
        }
        blocks.forEach(allocator::free);
        assertEquals(0, allocator.inUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldFreeEachBlockIntoItsOwnClass(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b);
        long small = allocator.allocate(20);
        long large = allocator.allocate(30000);
        int smallClass = allocator.classOf(20);
        int largeClass = allocator.classOf(30000);
        assertEquals(1, allocator.stats(smallClass).inUse());
        assertEquals(1, allocator.stats(largeClass).inUse());
        assertEquals(32 + 32768, allocator.inUseBytes());
        allocator.free(large);
        assertEquals(0, allocator.stats(largeClass).inUse());
        assertEquals(1, allocator.stats(smallClass).inUse());
        allocator.free(small);
        assertEquals(0, allocator.inUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldRejectSizesOutsideTheTableAndBadAddressesAndStayIntact(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b.classSizes(16, 64, 4096).capacityBytesPerClass(16384));
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> allocator.allocate(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains(String.valueOf(SizeClassAllocator.MAX_BLOCK_SIZE)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> allocator.classOf(4097), "above the largest class");
        long a = allocator.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> allocator.free(0));
        assertThrows(IllegalArgumentException.class, () -> allocator.free(a + 16));
        assertThrows(IllegalArgumentException.class, () -> allocator.free(a - 4096 * 1024));
        assertThrows(IllegalArgumentException.class, () -> allocator.usableSize(1));
        assertEquals(64, allocator.inUseBytes(), "rejected calls changed nothing");
        allocator.free(a);
        assertEquals(0, allocator.inUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldExhaustOneClassWithoutTouchingTheOthers(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b.classSizes(16, 4096).capacityBytesPerClass(16384));
        Set<Long> pages = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            pages.add(allocator.allocate(4096));
        }
        assertEquals(4, pages.size());
        assertEquals(0, allocator.tryAllocate(3000), "the 4 KiB class holds 4 slots");
        assertThrows(PoolExhaustedException.class, () -> allocator.allocate(4096));
        long small = allocator.allocate(16);
        allocator.free(small);
        pages.forEach(allocator::free);
        assertTrue(allocator.tryAllocate(4096) != 0);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCatchADoubleFreeInDebugMode(Mode mode) {
        List<LeakReport> reports = new ArrayList<>();
        SizeClassAllocator allocator = open(mode, b -> b.debug(true).leakHandler(reports::add));
        long a = allocator.allocate(100);
        allocator.free(a);
        assertThrows(IllegalArgumentException.class, () -> allocator.free(a));
        long leaked = allocator.allocate(5000);
        allocator.close();
        assertEquals(1, reports.size(), "one class leaked");
        assertEquals(leaked, reports.get(0).address(0));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldThrowIllegalStateAfterClose(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b);
        long a = allocator.allocate(64);
        allocator.close();
        assertTrue(allocator.isClosed());
        assertThrows(IllegalStateException.class, () -> allocator.allocate(64));
        assertThrows(IllegalStateException.class, () -> allocator.free(a));
        allocator.close();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldRejectBadTablesWithTheSettingNamed(Mode mode) {
        assertBad("classSizes", b -> b.classSizes());
        assertBad("classSizes", b -> b.classSizes(16, 24));
        assertBad("classSizes", b -> b.classSizes(64, 32));
        assertBad("classSizes", b -> b.classSizes(16, 6144));
        assertBad("classSizes", b -> b.classSizes(16, SizeClassConfig.MAX_CLASS_SIZE * 2));
        assertBad("capacityBytesPerClass", b -> b.classSizes(16, 4096).capacityBytesPerClass(2048));
        assertBad("capacityBytesPerClass", b -> b.capacityBytesPerClass(SizeClassConfig.MAX_CAPACITY_BYTES_PER_CLASS + 1));
        assertBad("perCpuCacheBytes", b -> b.perCpuCacheBytes(-1));
        assertEquals(39, SizeClassConfig.defaultClassSizes().length);
        assertEquals(mode, SizeClassConfig.builder().mode(mode).build().classConfig(0).options().mode());
    }

    private static void assertBad(String named, UnaryOperator<SizeClassConfig.Builder> settings) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> settings.apply(SizeClassConfig.builder()).build());
        assertTrue(e.getMessage().contains(named), "message names " + named + ": " + e.getMessage());
    }
}
