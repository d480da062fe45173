package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.ConservationStress;
import dev.percpu.bridge.MemoryCalls;
import dev.percpu.bridge.PinnedRun;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.bridge.StackCalls;
import dev.percpu.runtime.Mode;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link SlabAllocator} has, whatever its mode, with
 * debug mode on or off: the class runs once per mode and debug setting
 * ({@link Mode#RSEQ} runs are skipped only where the set-up declares no
 * registration (RseqAvailability)); the tests assert the allocator really
 * runs with them.
 */
@ParameterizedClass(name = "{0}, debug {1}")
@MethodSource("modesAndDebug")
class SlabAllocatorContractTest {
    private final StackCalls bridge = Bridges.stacks();
    private final List<SlabAllocator> opened = new ArrayList<>();
    /** Leak reports of debug-mode allocators closed by a test (slots held by racing threads, say). */
    private final List<LeakReport> leakReports = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Mode mode;
    private final boolean debug;

    SlabAllocatorContractTest(Mode mode, boolean debug) {
        this.mode = mode;
        this.debug = debug;
    }

    static Stream<Arguments> modesAndDebug() {
        return Stream.of(Arguments.of(Mode.RSEQ, false), Arguments.of(Mode.RSEQ, true),
            Arguments.of(Mode.FALLBACK, false), Arguments.of(Mode.FALLBACK, true));
    }

    /** The mode under test. */
    Mode mode() {
        return mode;
    }

    /** Whether debug mode is on. */
    boolean debug() {
        return debug;
    }

    @BeforeEach
    void needRseq() {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
    }

    SlabAllocator open(SlabConfig.Builder builder) {
        SlabAllocator allocator = SlabAllocator.create(builder.mode(mode()).debug(debug())
            .leakHandler(leakReports::add).build());
        opened.add(allocator);
        return allocator;
    }

    SlabAllocator open(int slotSize, int slots) {
        return open(SlabConfig.builder().slotSize(slotSize).capacitySlots(slots).perCpuCapacity(64).batchSize(16));
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SlabAllocator::close);
        RseqCalls.pinCurrentThread(-1);
    }

    @Test
    void shouldRunInTheRequestedMode() {
        SlabAllocator allocator = open(64, 16);
        assertEquals(mode(), allocator.mode());
        assertEquals(debug(), allocator.isDebug());
        assertEquals(mode(), allocator.stats().mode());
        assertEquals(bridge.name(), allocator.bridgeName());
    }

    @Test
    void shouldHandOutDistinctAlignedSlotsUntilExhaustedThenFailClearly() {
        SlabAllocator allocator = open(48, 100);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            long a = allocator.allocate();
            assertTrue(seen.add(a), "slot handed out twice");
            assertEquals(0, a % 16, "16-byte aligned");
            assertEquals(0, (a - allocator.regionAddress()) % 48, "on a slot boundary");
        }
        assertEquals(0, allocator.tryAllocate(), "tryAllocate gives 0 when exhausted");
        assertThrows(PoolExhaustedException.class, allocator::allocate);
        assertEquals(100, allocator.stats().inUse());
        seen.forEach(allocator::free);
        assertEquals(0, allocator.stats().inUse());
        for (int i = 0; i < 100; i++) {
            assertTrue(seen.contains(allocator.allocate()), "the same slots come back");
        }
    }

    @Test
    void shouldReachSlotsCachedOnAnotherCpu() {
        assumeTrue(RseqCalls.possibleCpus() >= 2 && Runtime.getRuntime().availableProcessors() >= 2, "needs 2 CPUs");
        SlabAllocator allocator = open(SlabConfig.builder().slotSize(64).capacitySlots(40).perCpuCapacity(64)
            .batchSize(8));
        assertTrue(RseqCalls.pinCurrentThread(0));
        long onZero = PinnedRun.migrations();
        long[] all = new long[40];
        assertEquals(40, allocator.allocate(all, 40));
        allocator.free(all, 40);
        long cachedOnZero = allocator.stats().freeOnCpu(0);
        boolean heldOnZero = PinnedRun.held(0, onZero);
        assertTrue(RseqCalls.pinCurrentThread(1));
        long onOne = PinnedRun.migrations();
        assertEquals(40, allocator.allocate(all, 40), "CPU 1 reaches the slots CPU 0 caches");
        long steals = allocator.stats().steals();
        boolean heldOnOne = PinnedRun.held(1, onOne);
        assertEquals(0, allocator.tryAllocate());
        PinnedRun.assumeHeld(heldOnZero && heldOnOne);
        assertEquals(40, cachedOnZero, "all 40 cached by CPU 0");
        assertTrue(steals > 0, "taken from CPU 0's stack");
    }

    @Test
    void shouldDrainEveryCpuStackIntoTheDepot() {
        SlabAllocator allocator = open(64, 200);
        long[] slots = new long[200];
        assertEquals(200, allocator.allocate(slots, 200));
        allocator.free(slots, 200);
        SlabStats before = allocator.stats();
        assertTrue(before.freeOnCpus() > 0, "frees were cached per CPU");
        long moved = allocator.drain();
        SlabStats after = allocator.stats();
        assertEquals(before.freeOnCpus(), moved);
        assertEquals(0, after.freeOnCpus());
        assertEquals(200, after.depotFree());
        assertEquals(0, after.inUse());
    }

    @Test
    void shouldAllocateAndFreeInBatchesAndStopAtExhaustion() {
        SlabAllocator allocator = open(32, 1000);
        long[] dst = new long[700];
        assertEquals(700, allocator.allocate(dst, 700));
        long[] rest = new long[700];
        assertEquals(300, allocator.allocate(rest, 700), "only 300 left");
        Set<Long> distinct = new HashSet<>();
        for (int i = 0; i < 700; i++) {
            distinct.add(dst[i]);
        }
        for (int i = 0; i < 300; i++) {
            distinct.add(rest[i]);
        }
        assertEquals(1000, distinct.size());
        allocator.free(dst, 700);
        allocator.free(rest, 300);
        assertEquals(0, allocator.stats().inUse());
        assertThrows(IndexOutOfBoundsException.class, () -> allocator.allocate(dst, 701));
        assertThrows(IndexOutOfBoundsException.class, () -> allocator.free(dst, -1));
    }

    @Test
    void shouldRejectBadConfigurationsWithTheSettingNamed() {
        assertBad("slotSize", b -> b.slotSize(0).capacitySlots(10));
        assertBad("slotSize", b -> b.slotSize(-16).capacitySlots(10));
        assertBad("slotSize", b -> b.slotSize(24).capacitySlots(10));
        assertBad("slotSize", b -> b.slotSize(SlabConfig.MAX_SLOT_SIZE + 16).capacitySlots(10));
        assertBad("capacity", b -> b.slotSize(16).capacitySlots(0));
        assertBad("capacity", b -> b.slotSize(16).capacitySlots(-5));
        assertBad("capacity", b -> b.slotSize(16).capacitySlots(SlabConfig.MAX_SLOTS + 1));
        assertBad("capacity", b -> b.slotSize(64).capacityBytes(63));
        assertBad("capacityBytes", b -> b.slotSize(64).capacityBytes(-1));
        assertBad("exceeds", b -> b.slotSize(1 << 20).capacitySlots(1 << 21));
        assertBad("perCpuCapacity", b -> b.slotSize(16).capacitySlots(10).perCpuCapacity(0));
        assertBad("batchSize", b -> b.slotSize(16).capacitySlots(10).perCpuCapacity(8).batchSize(9));
        assertBad("batchSize", b -> b.slotSize(16).capacitySlots(10).batchSize(0));
        assertBad("batchSize", b -> b.slotSize(16).capacitySlots(10).batchSize(-1));
        assertBad("perCpuCapacity", b -> b.slotSize(16).capacitySlots(10).perCpuCapacity(-1));
        assertThrows(NullPointerException.class, () -> SlabConfig.builder().mode(null));
    }

    private static void assertBad(String named, java.util.function.UnaryOperator<SlabConfig.Builder> settings) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> settings.apply(SlabConfig.builder()).build());
        assertTrue(e.getMessage().contains(named), "message names " + named + ": " + e.getMessage());
    }

    @Test
    void shouldRejectForeignMisalignedAndNeverAllocatedAddressesAndStayIntact() {
        SlabAllocator allocator = open(64, 100);
        long a = allocator.allocate();
        long b = allocator.allocate();
        long base = allocator.regionAddress();
        long end = base + allocator.regionBytes();
        long[] bad = {0, 1, base - 64, end, end + 64, Long.MIN_VALUE, Long.MAX_VALUE, a + 8, a + 1, base + 64 * 99};
        for (long address : bad) {
            assertThrows(IllegalArgumentException.class, () -> allocator.free(address),
                () -> "free(0x" + Long.toHexString(address) + ") must be rejected");
        }
        long[] mixed = {b, a + 16};
        assertThrows(IllegalArgumentException.class, () -> allocator.free(mixed, 2));
        SlabStats stats = allocator.stats();
        assertEquals(2, stats.inUse(), "rejected frees changed nothing, not even the good half of a batch");
        allocator.free(a);
        allocator.free(b);
        assertEquals(0, allocator.stats().inUse());
        long[] all = new long[100];
        assertEquals(100, allocator.allocate(all, 100), "every slot still reachable");
        assertEquals(100, java.util.Arrays.stream(all).distinct().count());
    }

    /**
     * Batches longer than one native chunk (64 slots) with the bad address
     * late in the batch, for a power-of-two slot size (checked in C) and a
     * size that is not (checked in Java): nothing of the batch is freed.
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 48})
    void shouldCheckEveryAddressOfALongBatchBeforeFreeingAny(int slotSize) {
        SlabAllocator allocator = open(slotSize, 300);
        long[] slots = new long[200];
        assertEquals(200, allocator.allocate(slots, 200));
        long neverAllocated = allocator.regionAddress() + (long) slotSize * 299;
        for (long bad : new long[] {slots[150] + 8, neverAllocated, allocator.regionAddress() - slotSize, 0}) {
            long[] batch = slots.clone();
            batch[150] = bad;
            assertThrows(IllegalArgumentException.class, () -> allocator.free(batch, 200),
                () -> "a batch holding 0x" + Long.toHexString(bad) + " must be rejected");
            assertEquals(200, allocator.stats().inUse(), "a rejected batch frees nothing");
        }
        allocator.free(slots, 200);
        assertEquals(0, allocator.stats().inUse());
        long[] again = new long[300];
        assertEquals(300, allocator.allocate(again, 300), "every slot still reachable");
        assertEquals(300, java.util.Arrays.stream(again).distinct().count());
        for (long address : again) {
            assertEquals(0, (address - allocator.regionAddress()) % slotSize, "slot starts only");
        }
    }

    @Test
    void shouldViewAHandedOutSlotAndRejectAnyOtherAddress() {
        SlabAllocator allocator = open(64, 100);
        long a = allocator.allocate();
        java.nio.ByteBuffer view = allocator.slotView(a);
        assertEquals(64, view.capacity());
        assertEquals(0, view.position());
        view.putLong(8, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, allocator.slotView(a).getLong(8), "a second view sees the same memory");
        assertThrows(IllegalArgumentException.class, () -> allocator.slotView(a + 8));
        assertThrows(IllegalArgumentException.class, () -> allocator.slotView(a + 64 * 50));
        assertThrows(IllegalArgumentException.class, () -> allocator.slotView(allocator.regionAddress() - 64));
        assertTrue(allocator.residentBytes() >= 4096, "the written slot's page is resident");
        allocator.free(a);
        assertEquals(0, allocator.stats().inUse());
    }

    @Test
    void shouldThrowIllegalStateAfterCloseAndCloseTwiceQuietly() {
        SlabAllocator allocator = open(64, 100);
        long a = allocator.allocate();
        allocator.close();
        assertTrue(allocator.isClosed());
        assertThrows(IllegalStateException.class, allocator::allocate);
        assertThrows(IllegalStateException.class, allocator::tryAllocate);
        assertThrows(IllegalStateException.class, () -> allocator.free(a));
        assertThrows(IllegalStateException.class, () -> allocator.allocate(new long[4], 4));
        assertThrows(IllegalStateException.class, () -> allocator.free(new long[] {a}, 1));
        assertThrows(IllegalStateException.class, () -> allocator.allocate(new long[4], 0));
        assertThrows(IllegalStateException.class, () -> allocator.free(new long[4], 0));
        assertThrows(IllegalStateException.class, () -> allocator.slotView(a));
        assertThrows(IllegalStateException.class, allocator::residentBytes);
        assertThrows(IllegalStateException.class, allocator::drain);
        assertThrows(IllegalStateException.class, allocator::stats);
        allocator.close();
    }

    @Test
    void shouldSurviveCloseRacingWithCallers() throws Exception {
        for (int round = 0; round < 6; round++) {
            SlabConfig.Builder config = SlabConfig.builder().slotSize(64).capacitySlots(512).perCpuCapacity(64)
                .batchSize(16);
            if (round % 2 == 1) {
                config.rebalancer(RebalancerConfig.builder().period(Duration.ofMillis(1)).trimAboveBytes(0).build());
            }
            SlabAllocator allocator = open(config);
            int threads = 2 * Runtime.getRuntime().availableProcessors();
            CountDownLatch running = new CountDownLatch(threads);
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            AtomicLong stoppedByClose = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(new Thread(() -> {
                    long[] held = new long[8];
                    running.countDown();
                    try {
                        while (true) {
                            int n = allocator.allocate(held, 8);
                            allocator.free(held, n);
                            long one = allocator.tryAllocate();
                            if (one != 0) {
                                allocator.free(one);
                            }
                        }
                    } catch (IllegalStateException e) {
                        stoppedByClose.incrementAndGet();
                    } catch (Throwable e) {
                        unexpected.set(e);
                    }
                }));
            }
            workers.forEach(Thread::start);
            running.await();
            Thread.sleep(20);
            allocator.close();
            for (Thread w : workers) {
                w.join(10_000);
                assertTrue(!w.isAlive(), "worker stopped after close");
            }
            if (unexpected.get() != null) {
                throw new AssertionError("a racing call failed with something other than IllegalStateException",
                    unexpected.get());
            }
            assertEquals(threads, stoppedByClose.get(), "every racing caller got IllegalStateException");
        }
    }

    @Test
    void shouldStayOffTheDepotLockOnASingleThreadInSteadyState() throws Exception {
        PinnedRun.onCurrentCpu(cpu -> {
            SlabAllocator allocator = open(64, 1024);
            for (int i = 0; i < 1000; i++) {
                allocator.free(allocator.allocate());
            }
            SlabStats before = allocator.stats();
            long[] four = new long[4];
            for (int i = 0; i < 100_000; i++) {
                allocator.free(allocator.allocate());
                allocator.allocate(four, 4);
                allocator.free(four, 4);
            }
            SlabStats after = allocator.stats();
            assertEquals(before.lockAcquisitions(), after.lockAcquisitions(), "depot lock taken on the fast path");
            assertEquals(before.slowPathEntries(), after.slowPathEntries(), "slow path taken on the fast path");
            assertEquals(0, after.inUse());
        });
    }

    @Test
    void shouldKeepEverySlotOwnedExactlyOnceUnderStress() throws Exception {
        runConservationStress(1500, false, null);
    }

    @Test
    void shouldKeepEverySlotOwnedExactlyOnceWithTheRebalancerRunning() throws Exception {
        SlabStats stats = runConservationStress(1500, false, RebalancerConfig.builder().period(Duration.ofMillis(1))
            .idleDrainAfter(Duration.ofMillis(1)).perCpuCapacityRange(32, 512).trimAboveBytes(0).build());
        assertTrue(stats.rebalanceRounds() > 100, "the rebalancer ran: " + stats);
        assertTrue(stats.rebalanceDrainedSlots() + stats.rebalanceRefilledSlots() > 0, "and moved slots: " + stats);
    }

    @Test
    void shouldReturnFreePagesToTheKernelAndStillAllocateThemLater() {
        int slots = 1024;
        SlabAllocator allocator = open(SlabConfig.builder().slotSize(4096).capacitySlots(slots).perCpuCapacity(64)
            .batchSize(16));
        long[] all = new long[slots];
        assertEquals(slots, allocator.allocate(all, slots));
        ByteBuffer memory = MemoryCalls.view(allocator.regionAddress(), allocator.regionBytes());
        for (long a : all) {
            memory.putLong((int) (a - allocator.regionAddress()), a);
        }
        long residentFull = MemoryCalls.residentBytes(allocator.regionAddress(), allocator.regionBytes());
        assertTrue(residentFull >= allocator.regionBytes() * 9 / 10, "written pages are resident: " + residentFull);
        allocator.free(all, slots);
        allocator.drain();
        long released = allocator.trim();
        if (allocator.isDebug()) {
            assertEquals(0, released, "debug mode keeps the poison of free slots: nothing is trimmed");
            assertEquals(residentFull, MemoryCalls.residentBytes(allocator.regionAddress(), allocator.regionBytes()));
            return;
        }
        long residentAfter = MemoryCalls.residentBytes(allocator.regionAddress(), allocator.regionBytes());
        assertTrue(residentAfter <= allocator.regionBytes() / 10,
            "trim gave the pages back: resident " + residentFull + " -> " + residentAfter);
        assertEquals(residentFull - residentAfter, released, "trim reports what it released");
        assertEquals(released, allocator.stats().trimmedBytes());
        assertEquals(slots, allocator.allocate(all, slots), "trimmed slots are still free slots");
        for (long a : all) {
            memory.putLong((int) (a - allocator.regionAddress()), a);
            assertEquals(a, memory.getLong((int) (a - allocator.regionAddress())));
        }
        assertTrue(MemoryCalls.residentBytes(allocator.regionAddress(), allocator.regionBytes()) >= residentFull,
            "pages are committed again on use");
    }

    @Test
    void shouldEmptyTheStackOfAnIdleCpu() throws InterruptedException {
        SlabAllocator allocator = open(SlabConfig.builder().slotSize(64).capacitySlots(256).perCpuCapacity(64)
            .batchSize(16).rebalancer(RebalancerConfig.builder().period(Duration.ofMillis(5))
                .idleDrainAfter(Duration.ofMillis(50)).build()));
        long[] some = new long[40];
        assertEquals(40, allocator.allocate(some, 40));
        allocator.free(some, 40);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (allocator.stats().freeOnCpus() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        SlabStats stats = allocator.stats();
        assertEquals(0, stats.freeOnCpus(), "idle CPU stacks were emptied: " + stats);
        assertTrue(stats.idleDrains() > 0);
        assertEquals(256, stats.depotFree());
    }

    @Test
    void shouldKeepEverySlotOwnedExactlyOnceWhileSectionsAreForcedToAbort() throws Exception {
        assumeTrue(mode == Mode.RSEQ, "only rseq mode runs sections that can abort");
        runConservationStress(1000, true, null);
    }

    /**
     * The shared {@link ConservationStress} on a fresh allocator: workers
     * allocate and free random batches (single slots through
     * {@code tryAllocate}/{@code free}), marking every slot they hold with
     * their owner id and its address; a drainer calls drain() every 5 ms.
     * At the end every slot must come back exactly once. With
     * {@code forceAborts}, sections are forced to abort; the aborts must be
     * seen and must have sent operations to the slow path.
     */
    SlabStats runConservationStress(long millis, boolean forceAborts, RebalancerConfig rebalancer) throws Exception {
        int slots = 4096;
        SlabConfig.Builder config = SlabConfig.builder().slotSize(64).capacitySlots(slots).perCpuCapacity(256)
            .batchSize(32);
        if (rebalancer != null) {
            config.rebalancer(rebalancer);
        }
        SlabAllocator allocator = open(config);
        ByteBuffer memory = MemoryCalls.view(allocator.regionAddress(), allocator.regionBytes());
        long base = allocator.regionAddress();
        ConservationStress<Long> stress = ConservationStress.of(new ConservationStress.Subject<Long>() {
            @Override
            public void acquire(List<Long> into, int n) {
                if (n == 1) {
                    long a = allocator.tryAllocate();
                    if (a != 0) {
                        into.add(a);
                    }
                    return;
                }
                long[] batch = new long[n];
                int got = allocator.allocate(batch, n);
                for (int i = 0; i < got; i++) {
                    into.add(batch[i]);
                }
            }

            @Override
            public void release(List<Long> items) {
                for (long a : items) {
                    memory.putLong((int) (a - base), 0);
                }
                if (items.size() == 1) {
                    allocator.free(items.get(0));
                } else {
                    allocator.free(items.stream().mapToLong(Long::longValue).toArray(), items.size());
                }
            }

            @Override
            public void mark(Long a, long owner) {
                memory.putLong((int) (a - base), owner);
                memory.putLong((int) (a - base) + 8, a);
            }

            @Override
            public boolean hasMark(Long a, long owner) {
                return memory.getLong((int) (a - base)) == owner && memory.getLong((int) (a - base) + 8) == a;
            }
        }, 64).alongside(() -> {
            allocator.drain();
            ConservationStress.sleepQuietly(5);
        });
        if (forceAborts) {
            stress.forceAborts();
        }
        ConservationStress.Result result = stress.run(millis);

        SlabStats stats = allocator.stats();
        assertEquals(mode(), stats.mode());
        assertEquals(0, stats.inUse(), "every slot was returned: " + stats);
        long[] all = new long[slots];
        assertEquals(slots, allocator.allocate(all, slots), "every slot can be allocated again: nothing lost");
        ConservationStress.assertOwnedExactlyOnce(java.util.Arrays.stream(all).boxed().toList(), slots, "slots");
        assertEquals(0, allocator.tryAllocate(), "and there is no extra one");
        if (mode() == Mode.FALLBACK) {
            assertEquals(0, result.aborts(), "fallback mode runs no section");
        }
        if (forceAborts) {
            assertTrue(result.aborts() > 0, "forced aborts were seen: " + result.aborts());
            assertNotEquals(0, stats.slowPathEntries(), "aborted operations went to the depot");
        }
        return stats;
    }
}
