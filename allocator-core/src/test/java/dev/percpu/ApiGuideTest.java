package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.percpu.stats.PoolCounters;
import dev.percpu.stats.StatsPublisher;
import dev.percpu.stats.StatsReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * The snippets of {@code docs/api.md}, verbatim between the marker
 * comments, plus assertions after them. Change both together.
 */
class ApiGuideTest {
    @Test
    void shouldHoldEverySnippetOfTheGuideVerbatim() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "api.md"), StandardCharsets.UTF_8);
        String self = Files.readString(Path.of("src", "test", "java", "dev", "percpu", "ApiGuideTest.java"),
            StandardCharsets.UTF_8);
        List<String> inGuide = matches(Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL), guide);
        List<String> here = matches(Pattern.compile("// snippet\\n(.*?)\\n\\s*// end", Pattern.DOTALL), self);
        assertEquals(inGuide.size(), here.size(), "one test per snippet");
        for (int i = 0; i < here.size(); i++) {
            String[] tested = here.get(i).strip().split("\\n");
            String[] shown = inGuide.get(i).strip().split("\\n");
            for (int line = 0; line < tested.length; line++) {
                assertEquals(shown[line].strip(), tested[line].strip(), "snippet " + i + ", line " + line);
            }
        }
    }

    private static List<String> matches(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void shouldAllocateAndFreeAsTheSlabAllocatorSnippetShows() {
        // snippet
        SlabConfig config = SlabConfig.builder()
            .slotSize(4096)                  // bytes per slot, a multiple of 16
            .capacitySlots(1024)             // or capacityBytes(...)
            .build();
        try (SlabAllocator slabs = SlabAllocator.create(config)) {
            long address = slabs.allocate();             // PoolExhaustedException when none is free
            slabs.free(address);                         // IllegalArgumentException for a bad address
            long maybe = slabs.tryAllocate();            // 0 instead of an exception
            if (maybe != 0) {
                slabs.free(maybe);
            }
            long[] batch = new long[32];
            int n = slabs.allocate(batch, 32);           // one native call for the whole batch
            slabs.free(batch, n);
        }
        // end
    }

    @Test
    void shouldServeAnySizeAsTheSizeClassSnippetShows() {
        // snippet
        try (SizeClassAllocator heap = SizeClassAllocator.create(SizeClassConfig.builder().build())) {
            long small = heap.allocate(100);             // served by the 112-byte class, 16-byte aligned
            long page = heap.allocate(4096);             // 4 KiB class: page aligned
            int usable = heap.usableSize(small);         // 112
            heap.free(small);                            // the class comes from the address, O(1)
            heap.free(page);
            // end
            assertEquals(112, usable);
            assertEquals(0, page % 4096);
        }
    }

    @Test
    void shouldHandOutBuffersAsTheBufferPoolSnippetShows() {
        // snippet
        try (BufferPool pool = BufferPool.create(SlabConfig.builder().slotSize(2048).capacitySlots(256).build())) {
            PooledBuffer buffer = new PooledBuffer();    // yours: make one per holder, reuse it
            pool.acquire(buffer);                        // PoolExhaustedException when none is free
            ByteBuffer nio = buffer.byteBuffer();        // direct, position 0, limit 2048, big-endian
            nio.putInt(0, 42);
            pool.release(buffer);                        // the handle is empty again
            // pool.release(buffer) now throws IllegalStateException: released twice
            // end
            assertThrows(IllegalStateException.class, () -> pool.release(buffer));
        }
    }

    @Test
    void shouldWrapBuffersInAgronaAsTheSnippetShows() {
        // snippet
        try (BufferPool pool = BufferPool.create(SlabConfig.builder().slotSize(2048).capacitySlots(256).build())) {
            PooledBuffer buffer = new PooledBuffer();
            pool.acquire(buffer);
            UnsafeBuffer agrona = buffer.unsafeBuffer(); // made once per handle, re-wrapped on each acquire
            agrona.putLong(0, 7L);
            pool.release(buffer);
        }
        // end
    }

    @Test
    void shouldRecycleObjectsAsTheObjectPoolSnippetShows() {
        // snippet
        ObjectPool<StringBuilder> pool = ObjectPool.builder(() -> new StringBuilder(256))
            .capacity(64)                                // all 64 made now, never more
            .reset(sb -> sb.setLength(0))                // runs on release
            .build();
        try (pool) {
            PooledObject<StringBuilder> handle = new PooledObject<>();
            if (pool.tryAcquire(handle)) {               // false when all 64 are out
                handle.get().append("hello");
                pool.release(handle);
            }
        }
        // end
    }

    @Test
    void shouldCatchMisuseAsTheDebugModeSnippetShows() {
        StringBuilder err = new StringBuilder();
        // snippet
        SlabConfig config = SlabConfig.builder().slotSize(64).capacitySlots(16)
            .debug(true)                                 // or -Dpercpu.debug=true
            .debugStackTraces(1)                         // record every allocation site (1 in N)
            .leakHandler(report -> err.append(report))
            .build();
        try (SlabAllocator slabs = SlabAllocator.create(config)) {
            long a = slabs.allocate();
            slabs.free(a);
            try {
                slabs.free(a);                           // double free
            } catch (IllegalArgumentException expected) {
                err.append(expected.getMessage());
            }
            slabs.allocate();                            // not freed: listed with its allocation site at close
        }
        // end
        String out = err.toString();
        assertEquals(true, out.startsWith("double free"), out);
        assertEquals(true, out.contains("1 slot still allocated") && out.contains("allocated at:"), out);
    }

    @Test
    void shouldShareOneOptionsValueAsTheConfigurationSnippetShows() {
        StringBuilder err = new StringBuilder();
        // snippet
        PoolOptions options = PoolOptions.builder()
            .debug(true)                                 // or -Dpercpu.debug=true
            .leakHandler(report -> err.append(report))
            .build();                                    // system properties read now, for the settings left unset
        SlabConfig small = SlabConfig.builder().slotSize(64).capacitySlots(16).options(options).build();
        SizeClassConfig classes = SizeClassConfig.builder().options(options).debugStackTraces(1).build();
        // end
        assertEquals(true, small.options().debug() && classes.options().debug());
        assertEquals(0, small.options().debugStackTraces());
        assertEquals(1, classes.options().debugStackTraces());
        try (SlabAllocator slabs = SlabAllocator.create(small)) {
            slabs.allocate();
        }
        assertEquals(true, err.toString().contains("1 slot still allocated"), err.toString());
    }

    @Test
    void shouldParseSizesAndExportCountersAsTheSnippetShows() {
        long inUse;
        // snippet
        CountersManager manager = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)), new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize("4k").capacityBytes("1m").build());
             PoolCounters counters = PoolCounters.register(manager, "buffers", slabs::stats)) {
            long address = slabs.allocate();
            counters.update();                                   // "percpu buffers: inUse" is now 1
            slabs.free(address);
            // end
            inUse = counters.counter("inUse").get();
        }
        assertEquals(1, inUse);
    }

    @Test
    void shouldPublishLiveStatisticsAsTheSnippetShows() {
        long seen;
        Path file;
        // snippet
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize("4k").capacityBytes("1m").build());
             StatsPublisher publisher = StatsPublisher.start()) {      // ${java.io.tmpdir}/percpu-stats-<uid>/percpu-<pid>.stats
            publisher.add("buffers", slabs::stats);                    // refreshed every 250 ms by thread "percpu-stats"
            long address = slabs.allocate();
            publisher.refresh();                                       // now, rather than within 250 ms
            try (StatsReader reader = StatsReader.open(publisher.file())) {   // what another process does (here: shares the mapping)
                long inUse = reader.pools().get("buffers").get("inUse");      // 1
                // end
                seen = inUse;
            }
            slabs.free(address);
            file = publisher.file();
        }
        assertEquals(1, seen);
        assertEquals(false, Files.exists(file), "close deletes the file");
    }

    @Test
    void shouldRunMaintenanceInTheApplicationsDutyCycleAsTheSnippetShows() {
        List<Throwable> failures = new ArrayList<>();
        ErrorHandler errors = failures::add;
        long rounds = 0;
        // snippet
        SlabConfig config = SlabConfig.builder().slotSize(256).capacitySlots(4096)
            .rebalancer(RebalancerConfig.builder().runner(MaintenanceRunner.application()).build())
            .build();
        try (SlabAllocator slabs = SlabAllocator.create(config);
             SizeClassAllocator heap = SizeClassAllocator.create(SizeClassConfig.builder()
                 .handBackRunner(MaintenanceRunner.application()).build());
             StatsPublisher publisher = StatsPublisher.start(StatsPublisher.defaultDirectory(), StatsPublisher.DEFAULT_PERIOD,
                 StatsPublisher.DEFAULT_MAX_COUNTERS, MaintenanceRunner.application())) {
            publisher.add("slabs", slabs::stats);
            AgentInvoker maintenance = new AgentInvoker(errors, null,      // errors: your ErrorHandler
                new CompositeAgent(slabs.maintenanceAgent(), heap.maintenanceAgent(), publisher));
            maintenance.start();
            maintenance.invoke();                       // from your duty cycle, as often as it runs
            // end
            for (int cycle = 0; cycle < 20_000 && slabs.stats().rebalanceRounds() == 0; cycle++) {
                LockSupport.parkNanos(1_000_000);
                maintenance.invoke();
            }
            rounds = slabs.stats().rebalanceRounds();
            maintenance.close();                        // the agents' onClose leaves the allocators open
            assertEquals(false, slabs.isClosed());
        }
        assertEquals(true, rounds > 0, "the duty cycle ran the rebalancer");
        assertEquals(List.of(), failures);
    }
}
