package dev.percpu.engine;

/**
 * What a {@link Rebalancer} needs to know, in the engine's terms: the
 * public {@code RebalancerConfig} and {@code SlabConfig} (validated there)
 * are translated into this once.
 *
 * @param periodNanos     time between rounds
 * @param idleNanos       a CPU with no pop or push for this long is drained
 * @param lowWatermark    an active CPU below {@code low x capacity} is refilled to half
 * @param highWatermark   a CPU above {@code high x capacity} is drained to half
 * @param trimAboveBytes  depot bytes kept before trimming the rest; negative: never trim
 * @param minCapacity     the least per-CPU capacity a move may leave
 * @param maxCapacity     the most per-CPU capacity a move may give
 * @param step            capacity moved per round
 */
public record RebalanceSettings(long periodNanos, long idleNanos, double lowWatermark, double highWatermark,
                                long trimAboveBytes, int minCapacity, int maxCapacity, int step) {
}
