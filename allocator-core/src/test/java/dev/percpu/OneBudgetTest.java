package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.engine.SlotMemory;
import dev.percpu.runtime.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One memory budget for every class and the large blocks of a {@link SizeClassAllocator}, memory
 * handed back when it is not needed, and a bounded number of mappings, in both modes.
 */
class OneBudgetTest {
    private static final long MIB = 1 << 20;
    /** The chunk the classes used here commit and hand back at once. */
    private static final long CHUNK = SlotMemory.MIN_CHUNK_BYTES;
    private final List<SizeClassAllocator> opened = new ArrayList<>();

    private SizeClassAllocator open(Mode mode, UnaryOperator<SizeClassConfig.Builder> settings) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        SizeClassAllocator allocator = SizeClassAllocator.create(settings.apply(SizeClassConfig.builder().mode(mode))
            .build());
        assertEquals(mode, allocator.mode());
        opened.add(allocator);
        return allocator;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SizeClassAllocator::close);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldLetOneClassFillTheBudgetThenHandItToAnotherAfterTwoIdleWindows(Mode mode) {
        SizeClassAllocator allocator = open(mode, b -> b.maxMemory(64 * MIB).handBackAfter(Duration.ZERO));
        List<Long> blocks = fill(allocator, 4096);
        assertTrue(blocks.size() * 4096L >= 60 * MIB, "one class took most of the budget: " + blocks.size());
        assertTrue(allocator.committedBytes() <= 64 * MIB, "never above the budget: " + allocator.committedBytes());
        assertEquals(0, allocator.tryAllocate(64), "the budget is spent: another class cannot grow");
        blocks.forEach(allocator::free);
        allocator.endHandBackWindow();
        allocator.endHandBackWindow();
        long reserve = 2L * allocator.config().classConfig(allocator.classOf(4096)).batchSize() * 4096;
        assertTrue(allocator.committedBytes() <= reserve + CHUNK,
            "two idle windows later only the reserve stays: " + allocator.committedBytes());
        List<Long> small = fill(allocator, 64);
        assertTrue(small.size() * 64L >= 60 * MIB - reserve - CHUNK,
            "the other class now grows into the budget: " + small.size());
        small.forEach(allocator::free);
        assertEquals(0, allocator.inUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldHandBackABurstInTheBackgroundAsTheResidentSetShows(Mode mode) throws Exception {
        SizeClassAllocator allocator = open(mode, b -> b.maxMemory(1024 * MIB).handBackAfter(Duration.ofMillis(200)));
        long rssBefore = rssBytes();
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 4096; i++) {
            long block = allocator.allocate(65536);
            allocator.view(block).putLong(0, i);
            for (int page = 4096; page < 65536; page += 4096) {
                allocator.view(block).put(page, (byte) 1);
            }
            blocks.add(block);
        }
        long rssPeak = rssBytes();
        assertTrue(allocator.committedBytes() >= 256 * MIB, "the burst committed its memory");
        assertTrue(rssPeak - rssBefore >= 200 * MIB, "and it is resident: " + (rssPeak - rssBefore));
        blocks.forEach(allocator::free);
        long bound = allocator.stats(allocator.classOf(65536)).capacityOnCpus() * 65536
            + 2L * allocator.config().classConfig(allocator.classOf(65536)).batchSize() * 65536 + CHUNK;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (allocator.committedBytes() > bound && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(allocator.committedBytes() <= bound,
            "handed back within 10 s to the caches and reserve: " + allocator.committedBytes() + " > " + bound);
        long rssAfter = rssBytes();
        assertTrue(rssAfter < rssPeak - 200 * MIB, "the resident set fell with it: peak " + rssPeak + ", after " + rssAfter);
        assertTrue(allocator.stats(allocator.classOf(65536)).trimmedBytes() >= 200 * MIB);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldKeepTheMappingCountBoundedUnderLargeBlockChurn(Mode mode) throws IOException {
        SizeClassAllocator allocator = open(mode, b -> b.classSizes(16, 64, 4096).maxMemory(1024 * MIB)
            .handBackAfter(Duration.ZERO));
        long before = mappings();
        long[] live = new long[20_000];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < live.length; i++) {
                live[i] = allocator.allocate(8192 + 4096 * (i % 5));
            }
            for (int i = 0; i < live.length; i += 2) {
                allocator.free(live[i]);
            }
            long during = mappings();
            assertTrue(during - before <= 3L * allocator.classCount() + 2 + 64,
                "mappings bounded by 3 x classes + 2 (+ the JVM's own): " + before + " -> " + during);
            for (int i = 1; i < live.length; i += 2) {
                allocator.free(live[i]);
            }
        }
        assertEquals(0, allocator.largeBytes());
        assertEquals(0, allocator.committedBytes(), "large blocks give their memory back at free");
    }

    /** Allocates blocks of {@code size} until the allocator refuses. */
    private static List<Long> fill(SizeClassAllocator allocator, int size) {
        List<Long> blocks = new ArrayList<>();
        for (long block = allocator.tryAllocate(size); block != 0; block = allocator.tryAllocate(size)) {
            blocks.add(block);
        }
        return blocks;
    }

    private static long mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
