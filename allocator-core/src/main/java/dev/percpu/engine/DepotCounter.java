package dev.percpu.engine;

/**
 * The exact counters an {@link IndexPool} keeps under its lock: slow paths,
 * the rebalancer's work and trimming. Read them through {@link PoolSnapshot#count}.
 */
public enum DepotCounter {
    /** Times the pool's lock was taken by a slow path, drain or steal. */
    LOCK_ACQUISITIONS,
    /** A CPU stack ran empty and was refilled from the depot. */
    REFILLS,
    /** A CPU stack ran full and a batch of it went to the depot. */
    FLUSHES,
    /** Operations that bypassed the CPU stack (no rseq, restart bound, stopped, busy, CPU beyond the block). */
    SLOW_PATH_ENTRIES,
    /** Batches taken from another CPU's stack because the depot was empty. */
    STEALS,
    /** Indices moved to the depot by {@link IndexPool#drain()}. */
    DRAINED_SLOTS,
    /** Rebalancer rounds run. */
    REBALANCE_ROUNDS,
    /** Indices the rebalancer moved from CPU stacks to the depot. */
    REBALANCE_DRAINED_SLOTS,
    /** Indices the rebalancer moved from the depot to CPU stacks. */
    REBALANCE_REFILLED_SLOTS,
    /** Capacity steps the rebalancer moved between CPUs. */
    CAPACITY_MOVES,
    /** Idle CPUs whose stack the rebalancer emptied. */
    IDLE_DRAINS,
    /** Resident bytes returned to the kernel by trimming. */
    TRIMMED_BYTES
}
