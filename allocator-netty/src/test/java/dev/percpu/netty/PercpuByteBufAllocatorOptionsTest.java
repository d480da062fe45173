package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.LeakReport;
import dev.percpu.PoolOptions;
import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Netty allocator takes the settings every pool shares as one {@link PoolOptions} value, and debug
 * mode turns its event-loop front caches off however it was asked for: by the value, by the shortcut or
 * by the system property.
 */
class PercpuByteBufAllocatorOptionsTest {
    @Test
    void shouldRunWithTheOptionsItWasGiven() {
        List<LeakReport> reports = new ArrayList<>();
        PoolOptions options = PoolOptions.builder().mode(Mode.FALLBACK).debug(true).leakHandler(reports::add).build();
        try (PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().maxMemory("16m").options(options).build()) {
            assertEquals(Mode.FALLBACK, alloc.mode());
            assertEquals(0, alloc.eventLoopCacheBoundBytes(), "debug mode: no front caches");
            ByteBuf kept = alloc.directBuffer(100);
            assertEquals(100, kept.capacity());
        }
        assertEquals(1, reports.size(), "the leak handler of the options got the report: " + reports);
        assertEquals(1, reports.get(0).count(), reports.get(0).toString());
    }

    @Test
    void shouldTurnFrontCachesOffWhenTheDebugPropertyIsOn() {
        String saved = System.getProperty(PercpuProperties.DEBUG);
        try {
            System.clearProperty(PercpuProperties.DEBUG);
            try (PercpuByteBufAllocator plain = PercpuByteBufAllocator.builder().maxMemory("16m").mode(Mode.FALLBACK)
                .build()) {
                assertTrue(plain.eventLoopCacheBoundBytes() > 0, "front caches on by default");
            }
            System.setProperty(PercpuProperties.DEBUG, "true");
            try (PercpuByteBufAllocator debug = PercpuByteBufAllocator.builder().maxMemory("16m").mode(Mode.FALLBACK)
                .build()) {
                assertEquals(0, debug.eventLoopCacheBoundBytes(), "debug mode from the property: no front caches");
            }
        } finally {
            if (saved == null) {
                System.clearProperty(PercpuProperties.DEBUG);
            } else {
                System.setProperty(PercpuProperties.DEBUG, saved);
            }
        }
    }
}
