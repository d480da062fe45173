package dev.percpu;

import dev.percpu.bridge.StackLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

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
    private final Mode mode;
    private final String bridge;
    private final int slots;
    private final int slotSize;
    private final long[] free;
    private final long[] capacity;
    private final long[] pops;
    private final long[] pushes;
    private final long[] aborts;
    private final long[] refillsOnCpu;
    private final long[] flushesOnCpu;
    private final long depotFree;
    private final int carvedSlots;
    private final long lockAcquisitions;
    private final long refills;
    private final long flushes;
    private final long slowPathEntries;
    private final long steals;
    private final long drainedSlots;
    private final long rebalanceRounds;
    private final long rebalanceDrainedSlots;
    private final long rebalanceRefilledSlots;
    private final long capacityMoves;
    private final long idleDrains;
    private final long trimmedBytes;
    private final long remoteFences;
    private final long callerThreadAborts;

    /** Reads everything from the stacks; called with their depot lock held. {@code slotSize} is 0 for objects. */
    SlabStats(IndexStacks stacks, int slotSize) {
        Depot depot = stacks.depot();
        ByteBuffer headers = stacks.headers();
        int ncpu = stacks.cpus();
        this.mode = stacks.mode();
        this.bridge = stacks.bridge().name();
        this.slots = stacks.slots();
        this.slotSize = slotSize;
        this.free = new long[ncpu];
        this.capacity = new long[ncpu];
        this.pops = new long[ncpu];
        this.pushes = new long[ncpu];
        this.aborts = new long[ncpu];
        for (int cpu = 0; cpu < ncpu; cpu++) {
            int hdr = (int) StackLayout.cpuHeaderOffset(cpu);
            free[cpu] = Integer.toUnsignedLong(headers.getInt(hdr + StackLayout.TOP_OFFSET));
            capacity[cpu] = Integer.toUnsignedLong(headers.getInt(hdr + StackLayout.CAPACITY_OFFSET));
            pops[cpu] = headers.getLong(hdr + StackLayout.POPS_OFFSET);
            pushes[cpu] = headers.getLong(hdr + StackLayout.PUSHES_OFFSET);
            aborts[cpu] = headers.getLong(hdr + StackLayout.ABORTS_OFFSET);
        }
        this.refillsOnCpu = depot.refillsOnCpu.clone();
        this.flushesOnCpu = depot.flushesOnCpu.clone();
        this.depotFree = depot.available();
        this.carvedSlots = depot.carved();
        this.lockAcquisitions = depot.lockAcquisitions;
        this.refills = depot.refills;
        this.flushes = depot.flushes;
        this.slowPathEntries = depot.slowPathEntries;
        this.steals = depot.steals;
        this.drainedSlots = depot.drainedSlots;
        this.rebalanceRounds = depot.rebalanceRounds;
        this.rebalanceDrainedSlots = depot.rebalanceDrainedSlots;
        this.rebalanceRefilledSlots = depot.rebalanceRefilledSlots;
        this.capacityMoves = depot.capacityMoves;
        this.idleDrains = depot.idleDrains;
        this.trimmedBytes = depot.trimmedBytes;
        this.remoteFences = stacks.bridge().remoteFences();
        this.callerThreadAborts = stacks.bridge().threadAborts();
    }

    /** The allocator's mode. */
    public Mode mode() {
        return mode;
    }

    /** The native binding. */
    public String bridge() {
        return bridge;
    }

    /** Number of per-CPU stacks. */
    public int cpus() {
        return free.length;
    }

    /** Total slots of the allocator. */
    public int slots() {
        return slots;
    }

    /** Slots cached (free) on one CPU's stack. */
    public long freeOnCpu(int cpu) {
        return free[cpu];
    }

    /** Slots cached on all CPU stacks. */
    public long freeOnCpus() {
        return Arrays.stream(free).sum();
    }

    /** How many slots one CPU's stack may hold now (moved by the rebalancer). */
    public long capacityOnCpu(int cpu) {
        return capacity[cpu];
    }

    /** Sum of all CPUs' capacities (constant unless a capacity move failed half-way). */
    public long capacityOnCpus() {
        return Arrays.stream(capacity).sum();
    }

    /** Indices popped off one CPU's stack: fast-path allocations and flushes (approximate in rseq mode). */
    public long popsOnCpu(int cpu) {
        return pops[cpu];
    }

    /** Indices pushed onto one CPU's stack: fast-path frees and refills (approximate in rseq mode). */
    public long pushesOnCpu(int cpu) {
        return pushes[cpu];
    }

    /** Section aborts counted on one CPU (approximate). */
    public long abortsOnCpu(int cpu) {
        return aborts[cpu];
    }

    /** Refills from the depot by allocations that found CPU {@code cpu}'s stack empty. */
    public long refillsOnCpu(int cpu) {
        return refillsOnCpu[cpu];
    }

    /** Flushes to the depot by frees that found CPU {@code cpu}'s stack full. */
    public long flushesOnCpu(int cpu) {
        return flushesOnCpu[cpu];
    }

    /** Slots in the depot: freed ones plus the never-used tail of the region. */
    public long depotFree() {
        return depotFree;
    }

    /** Slots ever handed out (the region's high-water mark, in slots). */
    public int carvedSlots() {
        return carvedSlots;
    }

    /** Slots in use by the application: total minus free on CPU stacks and in the depot. */
    public long inUse() {
        return slots - depotFree - freeOnCpus();
    }

    /** Times the depot lock was taken by slow paths and drain (not by stats or the rebalancer). */
    public long lockAcquisitions() {
        return lockAcquisitions;
    }

    /** Refills of an empty CPU stack from the depot. */
    public long refills() {
        return refills;
    }

    /** Flushes of a full CPU stack into the depot. */
    public long flushes() {
        return flushes;
    }

    /** Operations served by the depot because the CPU stack was unusable (no rseq, restart bound, stopped, busy). */
    public long slowPathEntries() {
        return slowPathEntries;
    }

    /** Batches stolen from CPU stacks when the depot was empty. */
    public long steals() {
        return steals;
    }

    /** Slots moved to the depot by {@link SlabAllocator#drain()}. */
    public long drainedSlots() {
        return drainedSlots;
    }

    /** Rounds the rebalancer ran. */
    public long rebalanceRounds() {
        return rebalanceRounds;
    }

    /** Slots the rebalancer moved from CPU stacks to the depot (high watermark and idle drains). */
    public long rebalanceDrainedSlots() {
        return rebalanceDrainedSlots;
    }

    /** Slots the rebalancer moved from the depot onto CPU stacks (low watermark). */
    public long rebalanceRefilledSlots() {
        return rebalanceRefilledSlots;
    }

    /** Capacity steps the rebalancer moved between CPUs. */
    public long capacityMoves() {
        return capacityMoves;
    }

    /** CPU stacks the rebalancer emptied because they were idle. */
    public long idleDrains() {
        return idleDrains;
    }

    /** Resident bytes returned to the kernel by trimming (by hand or by the rebalancer). */
    public long trimmedBytes() {
        return trimmedBytes;
    }

    /** Remote fences (membarrier calls or affinity moves) run by this process. */
    public long remoteFences() {
        return remoteFences;
    }

    /** Aborts seen by the thread that took this snapshot (exact). */
    public long callerThreadAborts() {
        return callerThreadAborts;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("mode=").append(mode).append(" bridge=").append(bridge)
            .append(" slots=").append(slots).append(slotSize > 0 ? " x " + slotSize + " B" : "")
            .append(" inUse=").append(inUse()).append(" depotFree=").append(depotFree)
            .append(" carved=").append(carvedSlots).append('\n');
        for (int cpu = 0; cpu < free.length; cpu++) {
            sb.append("  cpu ").append(cpu).append(": free=").append(free[cpu]).append('/').append(capacity[cpu])
                .append(" pops~").append(pops[cpu]).append(" pushes~").append(pushes[cpu])
                .append(" aborts~").append(aborts[cpu]).append(" refills=").append(refillsOnCpu[cpu])
                .append(" flushes=").append(flushesOnCpu[cpu]).append('\n');
        }
        sb.append("  depot: lock=").append(lockAcquisitions).append(" refills=").append(refills)
            .append(" flushes=").append(flushes).append(" slowPath=").append(slowPathEntries)
            .append(" steals=").append(steals).append(" drained=").append(drainedSlots)
            .append(" remoteFences=").append(remoteFences);
        if (rebalanceRounds > 0) {
            sb.append('\n').append("  rebalancer: rounds=").append(rebalanceRounds)
                .append(" drained=").append(rebalanceDrainedSlots).append(" refilled=").append(rebalanceRefilledSlots)
                .append(" capacityMoves=").append(capacityMoves).append(" idleDrains=").append(idleDrains);
        }
        if (trimmedBytes > 0) {
            sb.append('\n').append("  trimmed=").append(trimmedBytes).append(" B");
        }
        return sb.toString();
    }
}
