package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Netty adapter's flight recorder events: a class fallback and a large
 * buffer, recorded in-process and read back, with the fields the requests
 * and the allocator's figures give; and the docs' settings file turns them on.
 */
class NettyFlightRecorderEventsTest {
    private static final List<String> EVENTS = List.of("dev.percpu.NettyLarge", "dev.percpu.NettyFallback");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldEmitNettyFallbackAndLargePathEvents(Mode mode) throws IOException {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        List<RecordedEvent> events = record(() -> {
            // Classes of 2048 B and 4096 B under one cap of 32 KiB, no hand-back thread.
            try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().classSizes(2048, 4096)
                .maxMemory(32 << 10).perCpuCacheBytes(0).handBackAfter(Duration.ZERO).mode(mode).build()) {
                List<ByteBuf> held = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    held.add(alloc.directBuffer(4000));
                }
                held.forEach(ByteBuf::release);
                alloc.directBuffer(2000).release();
                alloc.drain();
                alloc.trim();
                assertEquals(0, alloc.committedBytes(), "everything handed back");
                alloc.directBuffer(5000).release();
            }
        });
        List<RecordedEvent> fallbacks = of(events, "dev.percpu.NettyFallback");
        assertEquals(1, fallbacks.size(), fallbacks.toString());
        assertEquals(2000, fallbacks.get(0).getInt("requestedBytes"));
        assertEquals(2048, fallbacks.get(0).getInt("exhaustedClassBytes"));
        assertEquals(4096, fallbacks.get(0).getInt("servedClassBytes"), "the cap is committed to the 4 KiB class");
        List<RecordedEvent> large = of(events, "dev.percpu.NettyLarge");
        assertEquals(1, large.size(), large.toString());
        assertEquals(5000, large.get(0).getInt("requestedBytes"), "above the largest class");
        assertEquals(8192, large.get(0).getLong("mappedBytes"));
        assertEquals(8192, large.get(0).getLong("largeBytesHeld"));
    }

    @Test
    void shouldTurnTheEventsOnWithTheSettingsFileOfTheDocs() throws Exception {
        Configuration settings = Configuration.create(Path.of("..", "docs", "percpu.jfc"));
        for (String name : EVENTS) {
            assertEquals("true", settings.getSettings().get(name + "#enabled"), name);
        }
    }

    private List<RecordedEvent> record(Runnable work) throws IOException {
        try (Recording recording = new Recording()) {
            for (String name : EVENTS) {
                recording.enable(name).withoutStackTrace();
            }
            recording.start();
            work.run();
            recording.stop();
            Path file = dir.resolve("netty.jfr");
            recording.dump(file);
            return RecordingFile.readAllEvents(file);
        }
    }

    private static List<RecordedEvent> of(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }
}
