package dev.percpu.examples.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.runtime.Mode;
import dev.percpu.stats.StatsPublisher;
import dev.percpu.stats.StatsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code stats} command's report of a published pool: one row per pool
 * with its mode and figures, rates over the interval given, and a last
 * line once the publisher is gone; attaching skips files it cannot use and,
 * for one pid, retries a file still being written, then says why it gave up.
 */
class StatsCommandTest {
    @TempDir
    Path dir;

    @Test
    void shouldReportEveryPublishedPoolAndRatesOverTheInterval() {
        StatsCommand command = new StatsCommand();
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(256)
                 .perCpuCapacity(16).batchSize(4).mode(Mode.FALLBACK).build());
             StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 128)) {
            publisher.add("first-pool", slabs::stats);
            long[] held = new long[40];
            slabs.allocate(held, held.length);
            publisher.refresh();
            try (StatsReader reader = StatsReader.open(publisher.file())) {
                StringBuilder first = new StringBuilder();
                assertTrue(command.report(reader, 1.0, reader.heartbeatMillis(), first));
                String row = rowOf(first.toString(), "first-pool");
                assertTrue(row.contains("FALLBACK"), row);
                assertEquals("40", row.trim().split("\\s+")[2], "inUse column: " + row);

                long refills = slabs.stats().refills();
                for (int i = 0; i < 10; i++) {
                    slabs.free(slabs.allocate());
                }
                slabs.free(held, held.length);
                for (int i = 0; i < 20; i++) {
                    slabs.allocate(held, held.length);
                    slabs.free(held, held.length);
                }
                publisher.refresh();
                long perInterval = slabs.stats().refills() - refills;
                StringBuilder second = new StringBuilder();
                assertTrue(command.report(reader, 2.0, reader.heartbeatMillis(), second));
                String next = rowOf(second.toString(), "first-pool");
                assertEquals(String.valueOf(Math.round(perInterval / 2.0)), next.trim().split("\\s+")[4],
                    "refills per second over the 2 s given: " + next);
                StringBuilder last = new StringBuilder();
                assertFalse(command.report(reader, 1.0, reader.heartbeatMillis() + reader.maxHeartbeatAgeMillis() + 1,
                    last), "the agent's first refresh is an hour away: nothing moves the heartbeat");
                assertTrue(last.toString().contains("no heartbeat"), last.toString());
            }
        }
    }

    @Test
    void shouldRetryAFileStillBeingWrittenThenReport() throws Exception {
        long pid = 999_999_998L;
        Files.write(StatsReader.fileOf(dir, pid), new byte[300]);
        List<StatsReader> readers = new ArrayList<>();
        String problem = StatsCommand.attach(dir, pid, readers);
        assertEquals(List.of(), readers);
        assertTrue(problem != null && problem.contains("version 0") && problem.contains("still being written"),
            String.valueOf(problem));
    }

    @Test
    void shouldAttachToAFileCompletedWhileItRetries() throws Exception {
        long pid = ProcessHandle.current().pid();
        Files.write(StatsReader.fileOf(dir, pid), new byte[300]);
        List<StatsReader> readers = new ArrayList<>();
        AtomicReference<StatsPublisher> publisher = new AtomicReference<>();
        Thread starter = new Thread(() -> {
            LockSupport.parkNanos(300_000_000L);
            publisher.set(StatsPublisher.start(dir, Duration.ofHours(1), 16));
        });
        starter.start();
        try {
            assertNull(StatsCommand.attach(dir, pid, readers));
            assertEquals(1, readers.size());
            assertTrue(readers.get(0).isPublisherAlive());
        } finally {
            starter.join();
            readers.forEach(StatsReader::close);
            publisher.get().close();
        }
    }

    @Test
    void shouldAttachToEveryLiveProcessAndSkipTheRest() throws Exception {
        try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 16)) {
            Files.createDirectory(StatsReader.fileOf(dir, 5));
            Files.write(StatsReader.fileOf(dir, 6), new byte[] {1});
            Files.copy(publisher.file(), StatsReader.fileOf(dir, 7));
            List<StatsReader> readers = new ArrayList<>();
            assertNull(StatsCommand.attach(dir, -1, readers));
            assertEquals(List.of(publisher.file()), readers.stream().map(StatsReader::file).toList());
            readers.forEach(StatsReader::close);
        }
    }

    private static String rowOf(String report, String pool) {
        for (String line : report.split("\n")) {
            if (line.trim().startsWith(pool)) {
                return line;
            }
        }
        throw new AssertionError("no row for " + pool + " in\n" + report);
    }
}
