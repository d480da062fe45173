package dev.percpu.examples.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.StatsPublisher;
import dev.percpu.StatsReader;
import dev.percpu.runtime.Mode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code stats} command's report of a published pool: one row per pool
 * with its mode and figures, rates over the interval given, and a last
 * line once the publisher is gone.
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

    private static String rowOf(String report, String pool) {
        for (String line : report.split("\n")) {
            if (line.trim().startsWith(pool)) {
                return line;
            }
        }
        throw new AssertionError("no row for " + pool + " in\n" + report);
    }
}
