package dev.percpu.stats;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.SlabStats;
import dev.percpu.runtime.Mode;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * The publishing process of {@link StatsPublisherTest}: makes a pool do
 * refills and flushes, publishes it (unless {@code -Dchild.publish=false})
 * into {@code -Dchild.dir}, prints its {@code stats()} figures as
 * {@code key=value} lines and {@code ready}, then waits until killed or its
 * standard input closes.
 */
public final class StatsPublisherChild {
    private StatsPublisherChild() {
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.valueOf(System.getProperty("child.mode"));
        boolean publish = Boolean.parseBoolean(System.getProperty("child.publish", "true"));
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(256).capacitySlots(512)
            .perCpuCapacity(32).batchSize(8).mode(mode).build())) {
            long[] held = new long[100];
            for (int i = 0; i < held.length; i++) {
                held[i] = slabs.allocate();
            }
            for (int i = 0; i < 60; i++) {
                slabs.free(held[i]);
            }
            StatsPublisher publisher = null;
            if (publish) {
                publisher = StatsPublisher.start(Paths.get(System.getProperty("child.dir")), Duration.ofMillis(20), 256);
                publisher.add("slabs", slabs::stats);
                publisher.refresh();
            }
            SlabStats stats = slabs.stats();
            StringBuilder out = new StringBuilder();
            out.append("mode=").append(stats.mode().ordinal()).append('\n');
            out.append("inUse=").append(stats.inUse()).append('\n');
            out.append("depotFree=").append(stats.depotFree()).append('\n');
            out.append("refills=").append(stats.refills()).append('\n');
            out.append("flushes=").append(stats.flushes()).append('\n');
            out.append("steals=").append(stats.steals()).append('\n');
            out.append("cpus=").append(stats.cpus()).append('\n');
            for (int cpu = 0; cpu < stats.cpus(); cpu++) {
                out.append("freeOnCpu ").append(cpu).append('=').append(stats.freeOnCpu(cpu)).append('\n');
            }
            out.append("ready\n");
            System.out.print(out);
            System.out.flush();
            while (System.in.read() >= 0) {
                Thread.onSpinWait();
            }
            if (publisher != null) {
                publisher.close();
            }
        }
    }
}
