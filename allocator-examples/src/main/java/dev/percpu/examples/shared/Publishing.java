package dev.percpu.examples.shared;

import dev.percpu.runtime.PercpuRuntime;
import dev.percpu.stats.PoolCounters;
import dev.percpu.stats.StatsPublisher;

/**
 * What {@code --publish-stats} does in the demo and the server: starts a
 * {@link StatsPublisher} in the default directory with room for the pools
 * they publish, and says where it writes.
 */
public final class Publishing {
    private Publishing() {
    }

    /** A publisher with room for {@code pools} pools of every possible CPU; prints its file. */
    public static StatsPublisher start(int pools) {
        int perPool = PoolCounters.figureNames().size() + PercpuRuntime.possibleCpus();
        StatsPublisher publisher = StatsPublisher.start(StatsPublisher.defaultDirectory(), StatsPublisher.DEFAULT_PERIOD,
            Math.max(StatsPublisher.DEFAULT_MAX_COUNTERS, pools * perPool));
        System.out.println("  stats       published in " + publisher.file()
            + " (watch: java -jar percpu-examples.jar stats " + ProcessHandle.current().pid() + ")");
        return publisher;
    }
}
