package dev.percpu.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.PoolExhaustedException;
import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.SlabStats;
import dev.percpu.bridge.ForkedJvm;
import dev.percpu.bridge.NativeCodes;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.events.SlowPathEvents;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every slow path emits its flight recorder event, with the fields the
 * counters agree with: recorded in-process with {@link Recording}, read back
 * with {@link RecordingFile}. The engine's slow paths are driven by hand
 * (popSlow/pushSlow with the code the fast path would return, remote puts,
 * one rebalancer round), so each happens whatever the set-up does to the
 * fast path (migrations, aborts, rseq blocked); the public pools' events
 * are checked against their own counters.
 */
class FlightRecorderEventsTest {
    private static final List<String> EVENTS = List.of("dev.percpu.Refill", "dev.percpu.Flush", "dev.percpu.Steal",
        "dev.percpu.Drain", "dev.percpu.Trim", "dev.percpu.RebalancerMove", "dev.percpu.Exhausted");
    private static final int SLOT_SIZE = 64;
    private static final int SLOTS = 64;
    private static final int PER_CPU = 16;
    private static final int BATCH = 4;

    @TempDir
    Path dir;

    @Test
    void shouldRegisterEveryEventDisabledByDefaultInCategoryPercpu() {
        assertTrue(SlowPathEvents.AVAILABLE, "jdk.jfr is in the test runtime");
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(SLOT_SIZE).capacitySlots(SLOTS)
            .build())) {
            slabs.drain();
        }
        List<EventType> types = FlightRecorder.getFlightRecorder().getEventTypes().stream()
            .filter(t -> t.getName().startsWith("dev.percpu.")).collect(Collectors.toList());
        List<String> drainOnly = types.stream().map(EventType::getName).collect(Collectors.toList());
        assertTrue(drainOnly.contains("dev.percpu.Drain"), drainOnly.toString());
        for (EventType type : types) {
            assertFalse(type.isEnabled(), type.getName() + " is off unless a recording turns it on");
            assertEquals(List.of("percpu"), type.getCategoryNames(), type.getName());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldEmitEachEngineSlowPathEventWithItsFields(Mode mode) throws IOException {
        long[] drainedAndMoves = new long[2];
        List<RecordedEvent> events = record(() -> System.arraycopy(driveEngine(mode), 0, drainedAndMoves, 0, 2))
            .stream().filter(e -> e.hasField("pool") && "EventsTest".equals(e.getString("pool")))
            .collect(Collectors.toList());

        RecordedEvent refill = only(events, "dev.percpu.Refill", e -> true);
        assertPool(refill);
        assertEquals(BATCH, refill.getInt("slots"), "a refill takes one batch from the full depot");
        assertEquals((long) BATCH * SLOT_SIZE, refill.getLong("bytes"));

        RecordedEvent steal = only(events, "dev.percpu.Steal", e -> true);
        assertPool(steal);
        assertEquals(0, steal.getInt("victimCpu"), "the first CPU holding slots");
        assertEquals(3, steal.getInt("slots"), "what the remote put left on CPU 0");

        RecordedEvent flush = only(events, "dev.percpu.Flush", e -> true);
        assertPool(flush);
        assertTrue(flush.getInt("slots") >= 1, "at least the freed slot");

        RecordedEvent exhausted = only(events, "dev.percpu.Exhausted", e -> true);
        assertPool(exhausted);
        assertEquals(1, exhausted.getInt("requested"));
        assertEquals(0, exhausted.getInt("served"));

        RecordedEvent drain = only(events, "dev.percpu.Drain", e -> true);
        assertPool(drain);
        assertEquals(drainedAndMoves[0], drain.getLong("slots"), "what drain() returned");
        assertEquals(possibleCpus(), drain.getInt("cpus"));

        RecordedEvent watermark = only(events, "dev.percpu.RebalancerMove", e -> e.getString("kind").equals("drain"));
        assertPool(watermark);
        assertEquals(0, watermark.getInt("fromCpu"));
        assertEquals(-1, watermark.getInt("toCpu"), "to the depot");
        assertEquals(PER_CPU / 2, watermark.getInt("amount"), "a full stack is drained to half");
        List<RecordedEvent> capacity = of(events, "dev.percpu.RebalancerMove", e -> e.getString("kind").equals("capacity"));
        assertEquals(drainedAndMoves[1], capacity.size(), "one event per capacity move: " + capacity);
        if (possibleCpus() >= 2) {
            RecordedEvent byHand = capacity.get(capacity.size() - 1);
            assertEquals(0, byHand.getInt("fromCpu"));
            assertEquals(1, byHand.getInt("toCpu"));
            assertEquals(BATCH, byHand.getInt("amount"), "one step");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldMatchThePoolCountersAndReportExhaustionAndTrim(Mode mode) throws IOException {
        requireMode(mode);
        long[] trimmed = new long[1];
        SlabStats[] stats = new SlabStats[1];
        List<RecordedEvent> events = record(() -> {
            try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(SLOTS)
                .perCpuCapacity(PER_CPU).batchSize(BATCH).mode(mode).build())) {
                long[] held = new long[SLOTS];
                for (int i = 0; i < SLOTS; i++) {
                    held[i] = slabs.allocate();
                }
                assertThrows(PoolExhaustedException.class, slabs::allocate);
                for (long address : held) {
                    slabs.free(address);
                }
                slabs.drain();
                trimmed[0] = slabs.trim();
                stats[0] = slabs.stats();
            }
        });
        Predicate<RecordedEvent> slab = e -> e.getInt("slotSize") == 4096;
        assertEquals(stats[0].refills(), of(events, "dev.percpu.Refill", slab).size(), "one event per refill");
        assertEquals(stats[0].flushes(), of(events, "dev.percpu.Flush", slab).size(), "one event per flush");
        assertEquals(stats[0].steals(), of(events, "dev.percpu.Steal", slab).size(), "one event per steal");
        assertEquals(stats[0].drainedSlots(), only(events, "dev.percpu.Drain", slab).getLong("slots"));
        RecordedEvent exhausted = only(events, "dev.percpu.Exhausted", slab);
        assertEquals("SlabAllocator", exhausted.getString("pool"));
        assertTrue(exhausted.getStackTrace() != null, "exhaustion records where it happened");
        RecordedEvent trim = only(events, "dev.percpu.Trim", slab);
        assertEquals(trimmed[0], trim.getLong("releasedBytes"));
        assertEquals(stats[0].trimmedBytes(), trim.getLong("releasedBytes"));
        assertEquals(SLOTS, trim.getInt("freeSlots"), "every slot was in the depot after drain");
        assertFalse(trim.getBoolean("byRebalancer"));
    }

    @Test
    void shouldRecordNothingWhenTheEventsAreNotEnabled() throws IOException {
        try (Recording recording = new Recording()) {
            recording.start();
            driveEngine(Mode.FALLBACK);
            recording.stop();
            Path file = dir.resolve("off.jfr");
            recording.dump(file);
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                assertFalse(event.getEventType().getName().startsWith("dev.percpu."), event.toString());
            }
        }
    }

    @Test
    void shouldTurnEveryEventOnWithTheSettingsFileOfTheDocs() throws Exception {
        Configuration settings = Configuration.create(Path.of("..", "docs", "percpu.jfc"));
        for (String name : EVENTS) {
            assertEquals("true", settings.getSettings().get(name + "#enabled"), name);
        }
        assertEquals("true", settings.getSettings().get("dev.percpu.Exhausted#stackTrace"));
    }

    @Test
    void shouldRunEverySlowPathInARuntimeWithoutJdkJfr() throws Exception {
        ForkedJvm child = ForkedJvm.run(NoJfrChild.class, List.of("--limit-modules", "java.base,jdk.unsupported",
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"), Map.of());
        assertEquals(0, child.exitCode, child.toString());
        assertEquals("false", child.value("jfrInRuntime"), child.toString());
        assertEquals("false", child.value("available"), "the probe found no jdk.jfr");
        assertEquals("true", child.value("exhausted"), child.toString());
        assertTrue(Long.parseLong(child.value("refills")) > 0, child.toString());
        assertTrue(Long.parseLong(child.value("flushes")) > 0, child.toString());
        assertEquals("0", child.value("inUse"));
    }

    /**
     * Refill, steal, exhaustion, flush, a watermark drain by the rebalancer,
     * a capacity move (two CPUs or more) and drain, on an engine pool;
     * returns what drain() moved and the capacity moves counted.
     */
    private static long[] driveEngine(Mode mode) {
        requireMode(mode);
        Region region = Region.map((long) SLOTS * SLOT_SIZE);
        IndexPool pool = new IndexPool("EventsTest", new SlotMemory(region, SLOT_SIZE, new MemoryBudget(Long.MAX_VALUE),
            false), mode, SLOTS, PER_CPU, 2 * PER_CPU, BATCH);
        try {
            int refilled = pool.popSlow(NativeCodes.EMPTY);
            int[] held = new int[SLOTS];
            int count;
            pool.lockForMaintenance();
            try {
                count = pool.depot().take(held, 0, SLOTS);
                for (int cpu = 0; cpu < pool.cpus(); cpu++) {
                    count += pool.stacks().take(cpu, held, count, SLOTS - count);
                }
                assertEquals(SLOTS - 1, count, "every slot but the refilled one is held; depot and stacks are empty");
                count -= 3;
                assertEquals(3, pool.stacks().put(0, held, count, 3), "three onto CPU 0");
            } finally {
                pool.unlock();
            }
            assertTrue(pool.popSlow(NativeCodes.EMPTY) >= 0, "stolen from CPU 0, two to the depot");
            assertTrue(pool.popSlow(NativeCodes.BUSY) >= 0, "from the depot, no refill");
            assertTrue(pool.popSlow(NativeCodes.BUSY) >= 0);
            assertEquals(-1, pool.popSlow(NativeCodes.BUSY), "nothing left anywhere");
            pool.pushSlow(refilled, NativeCodes.FULL);
            pool.lockForMaintenance();
            try {
                assertEquals(PER_CPU, pool.stacks().put(0, held, 0, PER_CPU), "CPU 0 full");
            } finally {
                pool.unlock();
            }
            RebalanceSettings settings = new RebalanceSettings(1_000_000L, 60_000_000_000L, 0.25, 0.75, -1,
                BATCH, 2 * PER_CPU, BATCH);
            Rebalancer rebalancer = new Rebalancer(pool, null, settings);
            rebalancer.round(System.nanoTime());
            if (pool.cpus() >= 2) {
                pool.lockForMaintenance();
                try {
                    rebalancer.moveCapacity(0, 1);
                } finally {
                    pool.unlock();
                }
            }
            long drained = pool.drain();
            return new long[] {drained, pool.snapshot().count(DepotCounter.CAPACITY_MOVES)};
        } finally {
            pool.close(region::unmap);
        }
    }

    private interface Work {
        void run() throws IOException;
    }

    private List<RecordedEvent> record(Work work) throws IOException {
        try (Recording recording = new Recording()) {
            for (String name : EVENTS) {
                recording.enable(name).withoutStackTrace();
            }
            recording.enable("dev.percpu.Exhausted").withStackTrace();
            recording.start();
            work.run();
            recording.stop();
            Path file = dir.resolve("percpu.jfr");
            recording.dump(file);
            return RecordingFile.readAllEvents(file);
        }
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String name, Predicate<RecordedEvent> filter) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).filter(filter)
            .collect(Collectors.toList());
    }

    private static RecordedEvent only(List<RecordedEvent> events, String name, Predicate<RecordedEvent> filter) {
        List<RecordedEvent> found = of(events, name, filter);
        assertEquals(1, found.size(), name + ": " + found);
        return found.get(0);
    }

    private static void assertPool(RecordedEvent event) {
        assertEquals("EventsTest", event.getString("pool"), event.toString());
        assertEquals(SLOT_SIZE, event.getInt("slotSize"), event.toString());
    }

    private static int possibleCpus() {
        return PercpuRuntime.possibleCpus();
    }

    private static void requireMode(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
    }
}
