/**
 * The allocator engine: the layer between the pools and the bridge.
 * Internal: not exported from the {@code dev.percpu} module; on the class
 * path, not meant for applications.
 *
 * <h2>What is here</h2>
 * <ul>
 *   <li>{@link dev.percpu.engine.PerCpuStacks}: one block of per-CPU index
 *       stacks, its local and remote operations and racy readers; the
 *       local/remote protocol is told there once.</li>
 *   <li>{@link dev.percpu.engine.IndexPool}: the stacks plus the shared
 *       depot, with the slow paths (refill, flush, steal), drain, close and
 *       snapshots ({@link dev.percpu.engine.PoolSnapshot},
 *       {@link dev.percpu.engine.DepotCounter}).</li>
 *   <li>{@link dev.percpu.engine.Rebalancer} (with
 *       {@link dev.percpu.engine.RebalanceSettings}) and
 *       {@link dev.percpu.engine.Trimmer}: background and by-hand upkeep.</li>
 *   <li>{@link dev.percpu.engine.Region}: native memory a pool keeps slots in.</li>
 * </ul>
 *
 * <h2>What it may touch</h2>
 * Below: the bridge ({@code dev.percpu.bridge}) and {@code dev.percpu.runtime}.
 * Above: the pools of {@code dev.percpu}, which call this package and never
 * the bridge. This package knows nothing of the public API's types.
 */
package dev.percpu.engine;
