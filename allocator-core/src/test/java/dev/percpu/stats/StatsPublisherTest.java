package dev.percpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.bridge.ForkedJvm;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Live statistics across processes: a child JVM publishes a pool
 * ({@link StatsPublisherChild}), this JVM reads the file with
 * {@link StatsReader} (what the examples' {@code stats} command does) and
 * finds the child's own {@code stats()} figures; once the child is killed
 * the file is recognised as stale (its lock is free), readers leave it and
 * the next publisher deletes it. Publishing is opt-in: a process that does
 * not publish writes nothing.
 */
class StatsPublisherTest {
    private static final List<String> ADD_OPENS = List.of("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldReadAChildsFiguresAndDetectItsDeath(Mode mode) throws Exception {
        requireMode(mode);
        Process child = startChild(mode, true);
        try {
            Map<String, String> printed = readUntilReady(child);
            assertEquals(String.valueOf(mode.ordinal()), printed.get("mode"), "the child ran in the mode asked");
            Path file = StatsReader.fileOf(dir, child.pid());
            try (StatsReader reader = StatsReader.open(file)) {
                assertEquals(child.pid(), reader.pid());
                assertTrue(reader.isPublisherAlive());
                assertFalse(reader.isStale(System.currentTimeMillis()), "alive and refreshed");
                Map<String, Long> pool = reader.pools().get("slabs");
                assertNotNull(pool, reader.pools().toString());
                for (String figure : List.of("mode", "inUse", "depotFree", "refills", "flushes", "steals")) {
                    assertEquals(Long.parseLong(printed.get(figure)), pool.get(figure), figure);
                }
                assertEquals(40L, pool.get("inUse"));
                int cpus = Integer.parseInt(printed.get("cpus"));
                for (int cpu = 0; cpu < cpus; cpu++) {
                    String figure = PoolCounters.FREE_ON_CPU + cpu;
                    assertEquals(Long.parseLong(printed.get(figure)), pool.get(figure), figure);
                }
                assertEquals(List.of(child.pid()), pidsOf(StatsReader.openLive(dir)));

                child.destroyForcibly();
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
                assertFalse(reader.isPublisherAlive(), "killed");
                assertTrue(reader.isStale(System.currentTimeMillis()), "a dead publisher's file is stale");
            }
            assertTrue(Files.exists(StatsReader.fileOf(dir, child.pid())), "kill -9 leaves the file behind");
            assertEquals(List.of(), pidsOf(StatsReader.openLive(dir)), "ignored");
            assertTrue(Files.exists(StatsReader.fileOf(dir, child.pid())), "readers delete nothing");
            try (StatsPublisher next = StatsPublisher.start(dir, Duration.ofHours(1), 16)) {
                assertFalse(Files.exists(StatsReader.fileOf(dir, child.pid())), "the next publisher deletes it");
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldWriteNoFileWhenPublishingIsOff() throws Exception {
        Process child = startChild(Mode.FALLBACK, false);
        try {
            Map<String, String> printed = readUntilReady(child);
            assertEquals("40", printed.get("inUse"), "the child ran its pool");
            assertFalse(Files.exists(dir), () -> "no directory, no file: " + listing());
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldNameAgronasFlagWhenItIsMissing() throws Exception {
        ForkedJvm run = ForkedJvm.run(NoAddOpensPublisher.class, List.of("-Dchild.dir=" + dir), Map.of());
        String error = run.value("error");
        assertNotNull(error, run.toString());
        assertTrue(error.startsWith("IllegalStateException") && error.contains("--add-opens java.base/jdk.internal.misc"),
            run.toString());
        assertEquals("true", run.value("poolWorks"), "the pools need no flag");
        assertEquals("[]", run.value("files"), "nothing left behind");
    }

    /** Main class of the forked JVM above: no add-opens flag. */
    static final class NoAddOpensPublisher {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(System.getProperty("child.dir"));
            try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(4).build())) {
                slabs.free(slabs.allocate());
                System.out.println("poolWorks=" + (slabs.stats().inUse() == 0));
                try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofMillis(10), 16)) {
                    System.out.println("error=none, published in " + publisher.file());
                } catch (IllegalStateException expected) {
                    System.out.println("error=IllegalStateException " + expected.getMessage());
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                System.out.println("files=" + files.collect(Collectors.toList()));
            }
        }
    }

    @Test
    void shouldTellAnIdlePublisherFromAStaleOneAndRemoveTheFileOnClose() {
        Path file;
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).build());
             StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 128)) {
            file = publisher.file();
            assertEquals(StatsReader.fileOf(dir, ProcessHandle.current().pid()), file);
            publisher.add("idle", slabs::stats);
            assertThrows(IllegalArgumentException.class, () -> publisher.add("idle", slabs::stats), "names are unique");
            try (StatsReader reader = StatsReader.open(file)) {
                long beat = reader.heartbeatMillis();
                publisher.refresh();
                assertTrue(reader.heartbeatMillis() >= beat, "an idle publisher still beats");
                // The agent's first refresh is an hour away: only refresh() moves the heartbeat here.
                long now = reader.heartbeatMillis();
                assertFalse(reader.isStale(now), "just refreshed");
                assertTrue(reader.isStale(now + reader.maxHeartbeatAgeMillis() + 1), "alive but silent: stale");
                assertEquals(0L, reader.pools().get("idle").get("inUse"));
                publisher.remove("idle");
                assertFalse(reader.pools().containsKey("idle"), "removed pools leave the file");
            }
        }
        assertFalse(Files.exists(file), "close removes the file");
    }

    @Test
    void shouldDropAPoolClosedWhilePublished() {
        try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofMillis(10), 128)) {
            SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).build());
            publisher.add("short-lived", slabs::stats);
            slabs.close();
            publisher.refresh();
            try (StatsReader reader = StatsReader.open(publisher.file())) {
                assertEquals(Map.of(), reader.pools());
            }
        }
    }

    private Process startChild(Mode mode, boolean publish) throws IOException {
        List<String> jvmArgs = Stream.concat(ADD_OPENS.stream(), Stream.of("-Dchild.mode=" + mode,
            "-Dchild.publish=" + publish, "-Dchild.dir=" + dir, "-Dpercpu.stats.dir=" + dir))
            .collect(Collectors.toList());
        Files.deleteIfExists(dir);
        return ForkedJvm.start(StatsPublisherChild.class, jvmArgs, Map.of());
    }

    /** The child's {@code key=value} lines up to {@code ready}; fails with its output if it exits first. */
    private static Map<String, String> readUntilReady(Process child) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Map<String, String> values = new HashMap<>();
        StringBuilder seen = new StringBuilder();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.equals("ready")) {
                return values;
            }
            seen.append(line).append('\n');
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        throw new AssertionError("the child exited before it was ready:\n" + seen);
    }

    private static List<Long> pidsOf(List<StatsReader> readers) {
        List<Long> pids = readers.stream().map(StatsReader::pid).collect(Collectors.toList());
        readers.forEach(StatsReader::close);
        return pids;
    }

    private String listing() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(Path::toString).collect(Collectors.joining(", "));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void requireMode(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
    }
}
