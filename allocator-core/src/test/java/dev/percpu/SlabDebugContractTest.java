package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.MemoryCalls;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What debug mode adds to a {@link SlabAllocator}: double-free and
 * never-handed-out detection, poison on free checked on allocate, leak
 * reports with sampled allocation sites. The class runs once per mode
 * ({@link Mode#RSEQ}, skipped only where the set-up declares no registration
 * (RseqAvailability), and {@link Mode#FALLBACK}). The
 * calling thread is pinned to one CPU, so a freed slot is the next one that
 * CPU's stack hands out.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
class SlabDebugContractTest {
    private final Mode mode;
    private final List<SlabAllocator> opened = new ArrayList<>();
    private final List<LeakReport> reports = new ArrayList<>();

    SlabDebugContractTest(Mode mode) {
        this.mode = mode;
    }

    Mode mode() {
        return mode;
    }

    SlabAllocator open(int slotSize, int slots, int stackTraces) {
        SlabAllocator allocator = SlabAllocator.create(SlabConfig.builder().slotSize(slotSize).capacitySlots(slots)
            .perCpuCapacity(64).batchSize(16).mode(mode()).debug(true).debugStackTraces(stackTraces)
            .leakHandler(reports::add).build());
        opened.add(allocator);
        return allocator;
    }

    @BeforeEach
    void needRseqThenPin() {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        assertTrue(RseqCalls.pinCurrentThread(RseqCalls.currentCpu()));
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SlabAllocator::close);
        RseqCalls.pinCurrentThread(-1);
    }

    @Test
    void shouldRejectADoubleFreeAndStayIntact() {
        SlabAllocator allocator = open(64, 100, 0);
        assertTrue(allocator.isDebug());
        long a = allocator.allocate();
        long b = allocator.allocate();
        allocator.free(a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> allocator.free(a));
        assertTrue(e.getMessage().contains("double free") && e.getMessage().contains(Long.toHexString(a)),
            e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> allocator.free(new long[] {b, a}, 2),
            "a batch with an already free slot");
        assertThrows(IllegalArgumentException.class, () -> allocator.free(new long[] {b, b}, 2),
            "a batch naming one slot twice");
        assertEquals(1, allocator.stats().inUse(), "the rejected frees changed nothing: b is still allocated");
        allocator.free(b);
        assertEquals(0, allocator.stats().inUse());
        long[] all = new long[100];
        assertEquals(100, allocator.allocate(all, 100), "every slot is reachable");
        assertEquals(100, Arrays.stream(all).distinct().count(), "and none is on a freelist twice");
        assertEquals(0, allocator.tryAllocate());
    }

    @Test
    void shouldRejectFreeOfACarvedSlotNobodyWasGiven() {
        SlabAllocator allocator = open(64, 100, 0);
        long a = allocator.allocate();
        long cachedOnTheCpu = a == allocator.regionAddress() ? a + 64 : allocator.regionAddress();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> allocator.free(cachedOnTheCpu));
        assertTrue(e.getMessage().contains("never handed out"), e.getMessage());
        assertEquals(1, allocator.stats().inUse());
    }

    @Test
    void shouldPoisonAFreedSlot() {
        SlabAllocator allocator = open(64, 100, 0);
        long a = allocator.allocate();
        ByteBuffer slot = MemoryCalls.view(a, 64);
        for (int i = 0; i < 64; i += 8) {
            slot.putLong(i, 42);
        }
        allocator.free(a);
        for (int i = 0; i < 64; i += 8) {
            assertEquals(SlotDebugger.POISON, slot.getLong(i), "word at " + i);
        }
    }

    @Test
    void shouldReportAWriteAfterFreeOnTheNextAllocationAndStayIntact() {
        SlabAllocator allocator = open(64, 100, 0);
        long a = allocator.allocate();
        allocator.free(a);
        MemoryCalls.view(a, 64).put(44, (byte) 7);
        IllegalStateException e = assertThrows(IllegalStateException.class, allocator::allocate);
        assertTrue(e.getMessage().contains("0x" + Long.toHexString(a)), "names the address: " + e.getMessage());
        assertTrue(e.getMessage().contains("offset 40"), "names the changed word: " + e.getMessage());
        assertEquals(0, allocator.stats().inUse(), "the corrupt slot went back");
        assertEquals(a, allocator.allocate(), "re-poisoned, it is handed out again without complaint");
        long[] rest = new long[99];
        assertEquals(99, allocator.allocate(rest, 99));
        assertEquals(0, allocator.tryAllocate(), "nothing lost, nothing doubled");
    }

    @Test
    void shouldGiveBackTheWholeBatchWhenOneSlotOfItIsCorrupt() {
        SlabAllocator allocator = open(64, 100, 0);
        long[] four = new long[4];
        assertEquals(4, allocator.allocate(four, 4));
        allocator.free(four, 4);
        MemoryCalls.view(four[1], 64).putLong(0, 1);
        assertThrows(IllegalStateException.class, () -> allocator.allocate(new long[4], 4));
        assertEquals(0, allocator.stats().inUse(), "the slots taken before the corrupt one were freed again");
        long[] all = new long[100];
        assertEquals(100, allocator.allocate(all, 100));
        assertEquals(100, Arrays.stream(all).distinct().count());
    }

    @Test
    void shouldCheckTheFirst4KiBOfALargeSlot() {
        SlabAllocator allocator = open(8192, 4, 0);
        long a = allocator.allocate();
        allocator.free(a);
        MemoryCalls.view(a, 8192).putLong(SlabConfig.DEBUG_POISON_BYTES, 1);
        assertEquals(a, allocator.allocate(), "a write beyond the first 4 KiB is not checked (documented)");
        allocator.free(a);
        MemoryCalls.view(a, 8192).putLong(SlabConfig.DEBUG_POISON_BYTES - 8, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, allocator::allocate);
        assertTrue(e.getMessage().contains("offset 4088"), e.getMessage());
    }

    @Test
    void shouldNotCheckSlotsNeverUsed() {
        SlabAllocator allocator = open(64, 40, 0);
        long[] all = new long[40];
        assertEquals(40, allocator.allocate(all, 40), "fresh slots hold zeros, not poison, and are not checked");
    }

    @Test
    void shouldReportOutstandingSlotsWithTheirAllocationSitesOnClose() {
        SlabAllocator allocator = open(64, 100, 1);
        long a = allocator.allocate();
        long b = allocator.allocate();
        long c = allocator.allocate();
        allocator.free(b);
        LeakReport now = allocator.leaks();
        assertEquals(2, now.count());
        allocator.close();
        assertEquals(1, reports.size(), "one report, to the configured handler");
        LeakReport report = reports.get(0);
        assertEquals(2, report.count());
        long[] leaked = {report.address(0), report.address(1)};
        Arrays.sort(leaked);
        long[] expected = {a, c};
        Arrays.sort(expected);
        assertTrue(Arrays.equals(expected, leaked), "a and c are listed");
        for (int i = 0; i < 2; i++) {
            assertNotNull(report.allocationSite(i));
            assertTrue(Arrays.stream(report.allocationSite(i).getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("shouldReportOutstandingSlotsWithTheirAllocationSitesOnClose")));
        }
        String text = report.toString();
        assertTrue(text.startsWith("2 slots still allocated in SlabConfig[slotSize=64"), text);
        assertTrue(text.contains("0x" + Long.toHexString(a)) && text.contains("allocated at:"), text);
    }

    @Test
    void shouldListLeaksWithoutSitesWhenStackTracesAreOff() {
        SlabAllocator allocator = open(64, 100, 0);
        allocator.allocate();
        allocator.close();
        assertEquals(1, reports.size());
        assertNull(reports.get(0).allocationSite(0));
        assertTrue(reports.get(0).toString().contains("allocation site not recorded"));
    }

    @Test
    void shouldSampleAllocationSites() {
        SlabAllocator allocator = open(16, 1000, 4);
        long[] all = new long[1000];
        assertEquals(1000, allocator.allocate(all, 1000));
        LeakReport report = allocator.leaks();
        long sampled = java.util.stream.IntStream.range(0, report.count()).filter(i -> report.allocationSite(i) != null).count();
        assertTrue(sampled > 100 && sampled < 500, "about 1 in 4 of 1000 sampled, was " + sampled);
        allocator.free(all, 1000);
        assertEquals(0, allocator.leaks().count());
    }

    @Test
    void shouldCallNoHandlerWhenEverythingWasFreed() {
        SlabAllocator allocator = open(64, 100, 1);
        allocator.free(allocator.allocate());
        allocator.close();
        assertTrue(reports.isEmpty());
    }

    @Test
    void shouldBeOffByDefaultAndTakeTheSystemPropertyUnlessTheBuilderSaysOtherwise() {
        SlabConfig.Builder builder = SlabConfig.builder().slotSize(64).capacitySlots(8).mode(mode());
        String old = System.getProperty(PercpuProperties.DEBUG);
        try {
            System.clearProperty(PercpuProperties.DEBUG);
            SlabConfig plain = builder.build();
            assertFalse(plain.options().debug());
            try (SlabAllocator off = SlabAllocator.create(plain)) {
                assertFalse(off.isDebug());
                assertThrows(IllegalStateException.class, off::leaks);
            }
            System.setProperty(PercpuProperties.DEBUG, "true");
            assertTrue(builder.build().options().debug());
            assertFalse(builder.debug(false).build().options().debug(), "the builder wins");
            System.setProperty(PercpuProperties.DEBUG, "yes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SlabConfig.builder().slotSize(64).capacitySlots(8).build());
            assertTrue(e.getMessage().contains(PercpuProperties.DEBUG));
            assertThrows(IllegalArgumentException.class,
                () -> SlabConfig.builder().slotSize(64).capacitySlots(8).debug(true).debugStackTraces(-1).build());
        } finally {
            if (old == null) {
                System.clearProperty(PercpuProperties.DEBUG);
            } else {
                System.setProperty(PercpuProperties.DEBUG, old);
            }
        }
    }
}
