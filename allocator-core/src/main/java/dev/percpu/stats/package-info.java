/**
 * Statistics export: a pool's {@link dev.percpu.SlabStats} as Agrona
 * counters, and a live counters file that other processes read.
 *
 * <ul>
 *   <li>{@link dev.percpu.stats.PoolCounters}: one pool's figures as
 *       counters in a {@code CountersManager} of the caller's.</li>
 *   <li>{@link dev.percpu.stats.StatsPublisher}: one memory-mapped file per
 *       process holding the counters of every pool it publishes, refreshed
 *       by an Agrona {@code Agent} on its own thread or in the application's
 *       duty cycle.</li>
 *   <li>{@link dev.percpu.stats.StatsReader}: reads such a file, in this or
 *       another process, by the counters' labels.</li>
 *   <li>{@code StatsFileLayout} (the file's header and the counters buffers
 *       after it) and {@code StatsDirectory} (the per-user directory, its
 *       checks and the liveness lock) are this package's own.</li>
 * </ul>
 *
 * <h2>Layer</h2>
 * Beside the pools, on their public API only: it reads a pool through a
 * {@code Supplier<SlabStats>} (for example {@code allocator::stats}) and
 * Agrona's {@code org.agrona.concurrent.status} counters; nothing in
 * {@code dev.percpu} depends on it, and it needs nothing package-private
 * there. The pools work without it and never touch a counters file.
 */
package dev.percpu.stats;
