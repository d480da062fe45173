package dev.percpu;

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
 * moves) of all allocators in the process.
 */
public final class SlabStats {
    private final Mode mode;
    private final String bridge;
    private final int slots;
    private final int slotSize;
    private final long[] free;
    private final long[] pops;
    private final long[] pushes;
    private final long[] aborts;
    private final long depotFree;
    private final int carvedSlots;
    private final long lockAcquisitions;
    private final long refills;
    private final long flushes;
    private final long slowPathEntries;
    private final long steals;
    private final long drainedSlots;
    private final long remoteFences;
    private final long callerThreadAborts;

    SlabStats(Mode mode, String bridge, int slots, int slotSize, long[] free, long[] pops, long[] pushes,
              long[] aborts, long depotFree, int carvedSlots, long lockAcquisitions, long refills, long flushes,
              long slowPathEntries, long steals, long drainedSlots, long remoteFences, long callerThreadAborts) {
        this.mode = mode;
        this.bridge = bridge;
        this.slots = slots;
        this.slotSize = slotSize;
        this.free = free;
        this.pops = pops;
        this.pushes = pushes;
        this.aborts = aborts;
        this.depotFree = depotFree;
        this.carvedSlots = carvedSlots;
        this.lockAcquisitions = lockAcquisitions;
        this.refills = refills;
        this.flushes = flushes;
        this.slowPathEntries = slowPathEntries;
        this.steals = steals;
        this.drainedSlots = drainedSlots;
        this.remoteFences = remoteFences;
        this.callerThreadAborts = callerThreadAborts;
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

    /** Fast-path allocations served by one CPU's stack (approximate in rseq mode). */
    public long popsOnCpu(int cpu) {
        return pops[cpu];
    }

    /** Fast-path frees taken by one CPU's stack (approximate in rseq mode). */
    public long pushesOnCpu(int cpu) {
        return pushes[cpu];
    }

    /** Section aborts counted on one CPU (approximate). */
    public long abortsOnCpu(int cpu) {
        return aborts[cpu];
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

    /** Times the depot lock was taken (slow paths, drain, stats excluded). */
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

    /** Batches stolen from other CPUs' stacks when the depot was empty. */
    public long steals() {
        return steals;
    }

    /** Slots moved to the depot by {@link SlabAllocator#drain()}. */
    public long drainedSlots() {
        return drainedSlots;
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
            sb.append("  cpu ").append(cpu).append(": free=").append(free[cpu]).append(" pops~")
                .append(pops[cpu]).append(" pushes~").append(pushes[cpu]).append(" aborts~").append(aborts[cpu])
                .append('\n');
        }
        sb.append("  depot: lock=").append(lockAcquisitions).append(" refills=").append(refills)
            .append(" flushes=").append(flushes).append(" slowPath=").append(slowPathEntries)
            .append(" steals=").append(steals).append(" drained=").append(drainedSlots)
            .append(" remoteFences=").append(remoteFences);
        return sb.toString();
    }
}
