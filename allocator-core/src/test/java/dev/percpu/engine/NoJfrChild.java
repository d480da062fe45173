package dev.percpu.engine;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.events.SlowPathEvents;
import dev.percpu.runtime.Mode;

/**
 * Run by {@link FlightRecorderEventsTest} in a JVM without module
 * {@code jdk.jfr} ({@code --limit-modules}): drives every slow path of a
 * pool (refill, flush, exhaustion, drain, trim) and prints what it found as
 * {@code key=value} lines.
 */
public final class NoJfrChild {
    private NoJfrChild() {
    }

    public static void main(String[] args) {
        System.out.println("jfrInRuntime=" + ModuleLayer.boot().findModule("jdk.jfr").isPresent());
        System.out.println("available=" + SlowPathEvents.AVAILABLE);
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(64)
            .perCpuCapacity(16).batchSize(4).mode(Mode.FALLBACK).build())) {
            long[] held = new long[64];
            for (int i = 0; i < held.length; i++) {
                held[i] = slabs.allocate();
            }
            System.out.println("exhausted=" + (slabs.tryAllocate() == 0));
            for (long address : held) {
                slabs.free(address);
            }
            slabs.drain();
            slabs.trim();
            System.out.println("refills=" + slabs.stats().refills());
            System.out.println("flushes=" + slabs.stats().flushes());
            System.out.println("inUse=" + slabs.stats().inUse());
        }
    }
}
