package dev.percpu;

import dev.percpu.engine.DepotCounter;
import dev.percpu.engine.PoolSnapshot;
import dev.percpu.runtime.Mode;

/**
 * A snapshot of a pool's counters, taken by {@link SlabAllocator#stats()} (and the
 * {@code stats()} of {@link SizeClassAllocator}, {@link BufferPool} and
 * {@link ObjectPool}, whose "slots" are buffers or objects).
 *
 * <p>Which figures are exact:
 * <ul>
 *   <li>Exact: every depot figure ({@link #depotFree()}, {@link #carvedSlots()},
 *       {@link #lockAcquisitions()}, {@link #refills()}, {@link #flushes()},
 *       {@link #slowPathEntries()}, {@link #steals()}, {@link #drainedSlots()}),
 *       all kept under the depot lock; {@link #callerThreadAborts()}, counted
 *       per thread in the abort path.</li>
 *   <li>Exact when no thread is allocating or freeing, a racy snapshot
 *       otherwise: {@link #freeOnCpu(int)}.</li>
 *   <li>Approximate: {@link #popsOnCpu(int)} and {@link #pushesOnCpu(int)}
 *       (the fast-path allocations and frees per CPU) are incremented inside
 *       the section before its commit and may over-count by the number of
 *       aborts that hit between increment and commit (in fallback mode they
 *       are exact, kept under the CPU's lock); {@link #abortsOnCpu(int)} is a
 *       racy count written outside any section.</li>
 * </ul>
 * Process-wide: {@link #remoteFences()} counts membarrier calls (or affinity
 * moves) of all allocators in the process. The rebalancer's figures
 * ({@link #rebalanceRounds()} and the ones after it) and the per-CPU refill
 * and flush counts are exact (kept under the depot lock); {@link #capacityOnCpu(int)}
 * is exact.
 */
public final class SlabStats {
    private final PoolSnapshot snapshot;
    private final int slotSize;

    /** Wraps a snapshot of a pool's counters; {@code slotSize} is 0 for pools of objects. */
    SlabStats(PoolSnapshot snapshot, int slotSize) {
        this.snapshot = snapshot;
        this.slotSize = slotSize;
    }

    /** The allocator's mode. */
    public Mode mode() {
        return snapshot.mode();
    }

    /** The native binding. */
    public String bridge() {
        return snapshot.bridge();
    }

    /** Number of per-CPU stacks. */
    public int cpus() {
        return snapshot.cpus();
    }

    /** Total slots of the allocator. */
    public int slots() {
        return snapshot.slots();
    }

    /** Slots cached (free) on one CPU's stack. */
    public long freeOnCpu(int cpu) {
        return snapshot.freeOnCpu(cpu);
    }

    /** Slots cached on all CPU stacks. */
    public long freeOnCpus() {
        long sum = 0;
        for (int cpu = 0; cpu < cpus(); cpu++) {
            sum += freeOnCpu(cpu);
        }
        return sum;
    }

    /** How many slots one CPU's stack may hold now (moved by the rebalancer). */
    public long capacityOnCpu(int cpu) {
        return snapshot.capacityOnCpu(cpu);
    }

    /** Sum of all CPUs' capacities (constant unless a capacity move failed half-way). */
    public long capacityOnCpus() {
        long sum = 0;
        for (int cpu = 0; cpu < cpus(); cpu++) {
            sum += capacityOnCpu(cpu);
        }
        return sum;
    }

    /** Indices popped off one CPU's stack: fast-path allocations and flushes (approximate in rseq mode). */
    public long popsOnCpu(int cpu) {
        return snapshot.popsOnCpu(cpu);
    }

    /** Indices pushed onto one CPU's stack: fast-path frees and refills (approximate in rseq mode). */
    public long pushesOnCpu(int cpu) {
        return snapshot.pushesOnCpu(cpu);
    }

    /** Section aborts counted on one CPU (approximate). */
    public long abortsOnCpu(int cpu) {
        return snapshot.abortsOnCpu(cpu);
    }

    /** Refills from the depot by allocations that found CPU {@code cpu}'s stack empty. */
    public long refillsOnCpu(int cpu) {
        return snapshot.refillsOnCpu(cpu);
    }

    /** Flushes to the depot by frees that found CPU {@code cpu}'s stack full. */
    public long flushesOnCpu(int cpu) {
        return snapshot.flushesOnCpu(cpu);
    }

    /** Slots in the depot: freed ones plus the never-used tail of the region. */
    public long depotFree() {
        return snapshot.depotFree();
    }

    /** Slots ever handed out (the region's high-water mark, in slots). */
    public int carvedSlots() {
        return snapshot.carved();
    }

    /** Slots in use by the application: total minus free on CPU stacks and in the depot. */
    public long inUse() {
        return slots() - depotFree() - freeOnCpus();
    }

    /** Times the depot lock was taken by slow paths and drain (not by stats or the rebalancer). */
    public long lockAcquisitions() {
        return snapshot.count(DepotCounter.LOCK_ACQUISITIONS);
    }

    /** Refills of an empty CPU stack from the depot. */
    public long refills() {
        return snapshot.count(DepotCounter.REFILLS);
    }

    /** Flushes of a full CPU stack into the depot. */
    public long flushes() {
        return snapshot.count(DepotCounter.FLUSHES);
    }

    /** Operations served by the depot because the CPU stack was unusable (no rseq, restart bound, stopped, busy). */
    public long slowPathEntries() {
        return snapshot.count(DepotCounter.SLOW_PATH_ENTRIES);
    }

    /** Batches stolen from CPU stacks when the depot was empty. */
    public long steals() {
        return snapshot.count(DepotCounter.STEALS);
    }

    /** Slots moved to the depot by {@link SlabAllocator#drain()}. */
    public long drainedSlots() {
        return snapshot.count(DepotCounter.DRAINED_SLOTS);
    }

    /** Rounds the rebalancer ran. */
    public long rebalanceRounds() {
        return snapshot.count(DepotCounter.REBALANCE_ROUNDS);
    }

    /** Slots the rebalancer moved from CPU stacks to the depot (high watermark and idle drains). */
    public long rebalanceDrainedSlots() {
        return snapshot.count(DepotCounter.REBALANCE_DRAINED_SLOTS);
    }

    /** Slots the rebalancer moved from the depot onto CPU stacks (low watermark). */
    public long rebalanceRefilledSlots() {
        return snapshot.count(DepotCounter.REBALANCE_REFILLED_SLOTS);
    }

    /** Capacity steps the rebalancer moved between CPUs. */
    public long capacityMoves() {
        return snapshot.count(DepotCounter.CAPACITY_MOVES);
    }

    /** CPU stacks the rebalancer emptied because they were idle. */
    public long idleDrains() {
        return snapshot.count(DepotCounter.IDLE_DRAINS);
    }

    /**
     * Bytes of the region committed now: the chunks charged to the memory budget (in use, cached on
     * CPU stacks, or free in the depot), whole chunks; memory handed back is not counted (exact).
     */
    public long committedBytes() {
        return snapshot.committedBytes();
    }

    /** Bytes of free slots cached now, on CPU stacks and in the depot's freelist (a racy sum, like {@link #inUse()}). */
    public long cachedBytes() {
        return Math.max(0, committedBytes() - inUse() * slotSize);
    }

    /** Resident bytes returned to the kernel by trimming and handing back (by hand, the rebalancer or the hand-back agent). */
    public long trimmedBytes() {
        return snapshot.count(DepotCounter.TRIMMED_BYTES);
    }

    /** Remote fences (membarrier calls or affinity moves) run by this process. */
    public long remoteFences() {
        return snapshot.remoteFences();
    }

    /** Aborts seen by the thread that took this snapshot (exact). */
    public long callerThreadAborts() {
        return snapshot.callerThreadAborts();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("mode=").append(mode()).append(" bridge=").append(bridge())
            .append(" slots=").append(slots()).append(slotSize > 0 ? " x " + slotSize + " B" : "")
            .append(" inUse=").append(inUse()).append(" depotFree=").append(depotFree())
            .append(" carved=").append(carvedSlots()).append(" committed=").append(committedBytes()).append(" B")
            .append('\n');
        for (int cpu = 0; cpu < cpus(); cpu++) {
            sb.append("  cpu ").append(cpu).append(": free=").append(freeOnCpu(cpu)).append('/')
                .append(capacityOnCpu(cpu)).append(" pops~").append(popsOnCpu(cpu))
                .append(" pushes~").append(pushesOnCpu(cpu)).append(" aborts~").append(abortsOnCpu(cpu))
                .append(" refills=").append(refillsOnCpu(cpu)).append(" flushes=").append(flushesOnCpu(cpu))
                .append('\n');
        }
        sb.append("  depot: lock=").append(lockAcquisitions()).append(" refills=").append(refills())
            .append(" flushes=").append(flushes()).append(" slowPath=").append(slowPathEntries())
            .append(" steals=").append(steals()).append(" drained=").append(drainedSlots())
            .append(" remoteFences=").append(remoteFences());
        if (rebalanceRounds() > 0) {
            sb.append('\n').append("  rebalancer: rounds=").append(rebalanceRounds())
                .append(" drained=").append(rebalanceDrainedSlots()).append(" refilled=")
                .append(rebalanceRefilledSlots()).append(" capacityMoves=").append(capacityMoves())
                .append(" idleDrains=").append(idleDrains());
        }
        if (trimmedBytes() > 0) {
            sb.append('\n').append("  trimmed=").append(trimmedBytes()).append(" B");
        }
        return sb.toString();
    }
}
