package dev.percpu.engine;

import dev.percpu.runtime.Mode;

/**
 * Every figure of an {@link IndexPool} at one moment, copied under its lock
 * by {@link IndexPool#snapshot()}. The per-CPU figures are read with
 * {@link PerCpuStacks}' racy readers (see there for which are exact); the
 * {@link DepotCounter}s are exact.
 */
public final class PoolSnapshot {
    private final Mode mode;
    private final String bridge;
    private final int slots;
    private final long[] free;
    private final long[] capacity;
    private final long[] pops;
    private final long[] pushes;
    private final long[] aborts;
    private final long[] refillsOnCpu;
    private final long[] flushesOnCpu;
    private final long[] counts;
    private final long depotFree;
    private final int carved;
    private final long committedBytes;
    private final long remoteFences;
    private final long callerThreadAborts;

    PoolSnapshot(PerCpuStacks stacks, Depot depot, int slots) {
        int cpus = stacks.cpus();
        this.mode = stacks.mode();
        this.bridge = PerCpuStacks.bridgeName();
        this.slots = slots;
        this.free = new long[cpus];
        this.capacity = new long[cpus];
        this.pops = new long[cpus];
        this.pushes = new long[cpus];
        this.aborts = new long[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            free[cpu] = Integer.toUnsignedLong(stacks.top(cpu));
            capacity[cpu] = Integer.toUnsignedLong(stacks.capacity(cpu));
            pops[cpu] = stacks.pops(cpu);
            pushes[cpu] = stacks.pushes(cpu);
            aborts[cpu] = stacks.aborts(cpu);
        }
        this.refillsOnCpu = depot.refillsOnCpu.clone();
        this.flushesOnCpu = depot.flushesOnCpu.clone();
        this.counts = depot.counts();
        this.depotFree = depot.available();
        this.carved = depot.carved();
        this.committedBytes = depot.committedBytes();
        this.remoteFences = PerCpuStacks.remoteFences();
        this.callerThreadAborts = PerCpuStacks.callerThreadAborts();
    }

    /** The pool's mode. */
    public Mode mode() {
        return mode;
    }

    /** "jni" or "ffm". */
    public String bridge() {
        return bridge;
    }

    /** Indices of the pool. */
    public int slots() {
        return slots;
    }

    /** Number of per-CPU stacks. */
    public int cpus() {
        return free.length;
    }

    /** Indices on {@code cpu}'s stack. */
    public long freeOnCpu(int cpu) {
        return free[cpu];
    }

    /** {@code cpu}'s capacity. */
    public long capacityOnCpu(int cpu) {
        return capacity[cpu];
    }

    /** Local pops on {@code cpu}. */
    public long popsOnCpu(int cpu) {
        return pops[cpu];
    }

    /** Local pushes on {@code cpu}. */
    public long pushesOnCpu(int cpu) {
        return pushes[cpu];
    }

    /** Section aborts counted on {@code cpu}. */
    public long abortsOnCpu(int cpu) {
        return aborts[cpu];
    }

    /** Refills seen on {@code cpu}. */
    public long refillsOnCpu(int cpu) {
        return refillsOnCpu[cpu];
    }

    /** Flushes seen on {@code cpu}. */
    public long flushesOnCpu(int cpu) {
        return flushesOnCpu[cpu];
    }

    /** A {@link DepotCounter}'s value. */
    public long count(DepotCounter counter) {
        return counts[counter.ordinal()];
    }

    /** Indices in the depot, freed or never used. */
    public long depotFree() {
        return depotFree;
    }

    /** Indices handed out at least once. */
    public int carved() {
        return carved;
    }

    /** Bytes of the pool's memory committed now (charged to its budget); 0 for pools of objects. */
    public long committedBytes() {
        return committedBytes;
    }

    /** Remote fences of the process. */
    public long remoteFences() {
        return remoteFences;
    }

    /** Section aborts of the calling thread. */
    public long callerThreadAborts() {
        return callerThreadAborts;
    }
}
