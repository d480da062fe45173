package dev.percpu.engine;

import dev.percpu.bridge.IndexArray;
import dev.percpu.bridge.NativeCodes;
import dev.percpu.events.SlowPathEvents;
import dev.percpu.runtime.Mode;

/**
 * Free indices {@code 0 .. slots-1} in {@link PerCpuStacks} plus a shared
 * {@link Depot}: the machinery every pool stands on. {@code SlabAllocator}
 * maps indices to slot addresses, {@code ObjectPool} to elements of its
 * object array.
 *
 * <pre>
 *   stacks().pop/push  --(rseq section or per-CPU try-lock)-->  the calling thread's CPU stack
 *        |  a code goes to popSlow/pushSlow:
 *        |  EMPTY on pop: refill a batch from the depot
 *        |  FULL on push: flush a batch to the depot
 *        |  any other code (no rseq, restart bound, stopped, busy): use the depot directly
 *        v
 *   depot (this pool's lock)  --empty-->  steal a batch from another CPU's stack (remote take)  --none-->  exhausted
 * </pre>
 *
 * <p>Threading: every method may be called from any thread. The fast path
 * takes no lock in {@link Mode#RSEQ}; slow paths, drain, statistics, the
 * rebalancer and close serialise on one {@link SlowPathLock}, which
 * maintenance takes ahead of slow paths and which also serialises the
 * remote operations of the stacks. Indices
 * are trusted: the owner checks them (range, carved) before pushing them.
 *
 * <p>Closing: {@link #close(Runnable)} stops every CPU stack for good under
 * the lock; calls racing with it find their stack stopped, reach a slow path
 * and throw {@link IllegalStateException} there.
 *
 * <p>Flight recorder: refill, flush, steal, drain and exhaustion each emit
 * one event ({@link SlowPathEvents}) where they are counted, under the lock.
 */
public final class IndexPool {
    private final String owner;
    /** Bytes per index for the flight recorder events; 0 when indices are not slots of memory. */
    private final int slotSize;
    private final PerCpuStacks stacks;
    private final int slots;
    private final Depot depot;
    /** Guards the depot, the closed flag's writes and the stacks' remote operations; its protocol is {@link SlowPathLock}'s. */
    private final SlowPathLock lock = new SlowPathLock();
    private volatile boolean closed;

    /**
     * Maps the per-CPU stacks: each CPU's stack holds up to
     * {@code maxPerCpuCapacity} indices (the most a rebalancer may give it)
     * and starts with capacity {@code perCpuCapacity}.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     */
    public IndexPool(String owner, Mode requested, int slots, int perCpuCapacity, int maxPerCpuCapacity,
                     int batchSize) {
        this(owner, null, requested, slots, perCpuCapacity, maxPerCpuCapacity, batchSize);
    }

    /**
     * As above, for indices of slots of memory, committed and handed back in chunks by
     * {@code memory} (whose slot size the flight recorder events report).
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     */
    public IndexPool(String owner, SlotMemory memory, Mode requested, int slots, int perCpuCapacity,
                     int maxPerCpuCapacity, int batchSize) {
        this.owner = owner;
        this.slotSize = memory == null ? 0 : memory.slotSize();
        this.slots = slots;
        this.stacks = PerCpuStacks.create(requested, maxPerCpuCapacity, perCpuCapacity);
        this.depot = new Depot(slots, batchSize, stacks.cpus(), memory);
    }

    /** The mode of the stacks: {@link Mode#RSEQ} or {@link Mode#FALLBACK}. */
    public Mode mode() {
        return stacks.mode();
    }

    /** Number of per-CPU stacks. */
    public int cpus() {
        return stacks.cpus();
    }

    /** Whether {@link #close(Runnable)} has run. */
    public boolean isClosed() {
        return closed;
    }

    /** The owner's type name ("SlabAllocator", "ObjectPool"), as in messages and events. */
    public String owner() {
        return owner;
    }

    /** Bytes per index as given at construction; 0 when indices are not slots of memory. */
    public int slotSize() {
        return slotSize;
    }

    /** Indices below this have been handed out at least once. */
    public int carved() {
        return depot.carved();
    }

    /**
     * The per-CPU stacks: the fast path. A caller pops or pushes on them and
     * hands any negative code to {@link #popSlow(int)} or
     * {@link #pushSlow(int, int)}; this keeps the fast path one call deep
     * above the native binding, so that C2 inlines the FFM downcall, which
     * one Java level more (a wrapping {@code IndexPool.pop()}) prevents
     * (docs/design.md, "Layers").
     */
    public PerCpuStacks stacks() {
        return stacks;
    }

    Depot depot() {
        return depot;
    }

    /**
     * Why the last slow path that found no free index did not commit fresh memory: "" when the
     * pool's slots ran out (or it has no memory), else the budget or the kernel refusing a chunk.
     * For the message of an exhaustion; racy, as exhaustion itself is.
     */
    public String exhaustionCause() {
        switch (depot.lastCommitRefusal()) {
            case SlotMemory.BUDGET_SPENT:
                return "the memory budget is spent";
            case SlotMemory.MAPPING_REFUSED:
                return "the kernel refused to commit more memory (commit limit or vm.max_map_count)";
            default:
                return "";
        }
    }

    /** Takes the lock for maintenance (drain, snapshot, close, the rebalancer, trimming) ahead of slow paths. */
    void lockForMaintenance() {
        lock.lockForMaintenance();
    }

    /** Releases the lock taken by {@link #lockForMaintenance()} or a slow path. */
    void unlock() {
        lock.unlock();
    }

    /**
     * Pops up to {@code n} indices into {@code dst[0 .. n)}; fewer only when
     * none is left anywhere. {@code n <= dst.length}.
     *
     * @throws IllegalStateException after close
     */
    public int popBatch(int[] dst, int n) {
        int r = stacks.popBatch(dst, 0, n);
        int got = Math.max(r, 0);
        if (got < n) {
            got += popSlowBatch(dst, got, n - got, r);
        }
        return got;
    }

    /**
     * Returns {@code src[0 .. n)}, checked indices.
     *
     * @throws IllegalStateException after close
     */
    public void pushBatch(int[] src, int n) {
        int r = stacks.pushBatch(src, 0, n);
        int pushed = Math.max(r, 0);
        if (pushed < n) {
            pushSlowBatch(src, pushed, n - pushed, r);
        }
    }

    /**
     * The fast half of a batch allocation: up to {@code n} indices from the
     * current CPU's stack into {@code dst[0 ..)} as addresses
     * {@code region + (index << shift)}. Returns the count (0 when the stack
     * could not serve); the caller gets the rest through {@link #popBatch}.
     */
    public int popAddresses(long[] dst, int n, long region, int shift) {
        return Math.max(stacks.popAddresses(dst, 0, n, region, shift), 0);
    }

    /**
     * The fast half of a batch free: checks every address of
     * {@code src[0 .. n)} against {@code [region, region + carved << shift)}
     * and the slot boundary, then pushes their indices onto the current
     * CPU's stack. Returns the count pushed (the caller pushes the rest
     * through {@link #pushBatch}), or a negative value when nothing was
     * pushed (a bad address, or a slow-path code): the caller then checks
     * and pushes on its own.
     */
    public int pushAddresses(long[] src, int n, long region, int shift) {
        return stacks.pushAddresses(src, 0, n, region, shift, (long) depot.carved() << shift);
    }

    /**
     * Moves every index cached by every CPU's stack into the depot, one
     * remote take per CPU (allocates one array of the stack size); returns how many.
     *
     * @throws IllegalStateException after close
     */
    public long drain() {
        lockForMaintenance();
        try {
            ensureOpen();
            depot.count(DepotCounter.LOCK_ACQUISITIONS, 1);
            long moved = 0;
            int[] whole = new int[stacks.stride()];
            for (int cpu = 0; cpu < stacks.cpus(); cpu++) {
                int k = stacks.take(cpu, whole, 0, whole.length);
                depot.put(whole, 0, k);
                moved += k;
            }
            depot.count(DepotCounter.DRAINED_SLOTS, moved);
            SlowPathEvents.drain(owner, slotSize, stacks.cpus(), moved);
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A snapshot of every counter, taken under the lock.
     *
     * @throws IllegalStateException after close
     */
    public PoolSnapshot snapshot() {
        lockForMaintenance();
        try {
            ensureOpen();
            return new PoolSnapshot(stacks, depot, slots);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the per-CPU stacks for good, then runs {@code afterStop} (the
     * owner's unmapping) under the lock. Returns false, doing nothing, when
     * already closed.
     */
    public boolean close(Runnable afterStop) {
        lockForMaintenance();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            try {
                stacks.close();
            } finally {
                afterStop.run();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Unmaps the stacks of a pool whose construction failed after this one was made; never after use. */
    public void abandon() {
        closed = true;
        stacks.destroy();
    }

    /**
     * Throws when closed.
     *
     * @throws IllegalStateException after close
     */
    public void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this " + owner + " is closed");
        }
    }

    /**
     * A pop after {@code stacks().pop()} returned {@code code} (negative):
     * refill, depot, steal. Returns an index, or -1 when none is free anywhere.
     *
     * @throws IllegalStateException after close
     */
    public int popSlow(int code) {
        lock.lockForSlowPath();
        try {
            ensureOpen();
            depot.count(DepotCounter.LOCK_ACQUISITIONS, 1);
            IndexArray batch = depot.scratch;
            int[] scratch = batch.values();
            if (code == NativeCodes.EMPTY) {
                int k = depot.take(scratch, 0, scratch.length);
                if (k > 0) {
                    int cpu = PerCpuStacks.currentCpu();
                    depot.count(DepotCounter.REFILLS, 1);
                    Depot.note(depot.refillsOnCpu, cpu);
                    SlowPathEvents.refill(owner, slotSize, cpu, k);
                    if (k > 1) {
                        int pushed = Math.max(0, stacks.pushBatch(batch, 0, k - 1));
                        depot.put(scratch, pushed, k - 1 - pushed);
                    }
                    return scratch[k - 1];
                }
            } else {
                depot.count(DepotCounter.SLOW_PATH_ENTRIES, 1);
                if (depot.take(scratch, 0, 1) == 1) {
                    return scratch[0];
                }
            }
            int k = steal(scratch, 0, scratch.length);
            if (k == 0) {
                SlowPathEvents.exhausted(owner, slotSize, PerCpuStacks.currentCpu(), 1, 0);
                return -1;
            }
            depot.put(scratch, 0, k - 1);
            return scratch[k - 1];
        } finally {
            lock.unlock();
        }
    }

    /** Batch pop after the CPU stack gave fewer than asked: depot, then steal. Returns the count added. */
    private int popSlowBatch(int[] indices, int offset, int n, int code) {
        lock.lockForSlowPath();
        try {
            ensureOpen();
            depot.count(DepotCounter.LOCK_ACQUISITIONS, 1);
            boolean refill = code >= 0 || code == NativeCodes.EMPTY;
            depot.count(refill ? DepotCounter.REFILLS : DepotCounter.SLOW_PATH_ENTRIES, 1);
            int got = depot.take(indices, offset, n);
            if (refill) {
                SlowPathEvents.refill(owner, slotSize, PerCpuStacks.currentCpu(), got);
            }
            while (got < n) {
                int k = steal(indices, offset + got, n - got);
                if (k == 0) {
                    SlowPathEvents.exhausted(owner, slotSize, PerCpuStacks.currentCpu(), offset + n, offset + got);
                    break;
                }
                got += k;
            }
            return got;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes up to n indices from the first CPU stack (the caller's own
     * included) that has any. A CPU that cannot be fenced is skipped: a
     * failed remote take takes nothing. Lock held.
     */
    private int steal(int[] dst, int offset, int n) {
        for (int cpu = 0; cpu < stacks.cpus(); cpu++) {
            int k;
            try {
                k = stacks.take(cpu, dst, offset, n);
            } catch (IllegalStateException cannotFence) {
                continue;
            }
            if (k > 0) {
                depot.count(DepotCounter.STEALS, 1);
                SlowPathEvents.steal(owner, slotSize, PerCpuStacks.currentCpu(), cpu, k);
                return k;
            }
        }
        return 0;
    }

    /**
     * A push of a checked index after {@code stacks().push(index)} returned
     * {@code code} (non-zero): flush when full, else straight to the depot.
     *
     * @throws IllegalStateException after close
     */
    public void pushSlow(int index, int code) {
        lock.lockForSlowPath();
        try {
            ensureOpen();
            depot.count(DepotCounter.LOCK_ACQUISITIONS, 1);
            countPushMiss(code == NativeCodes.FULL, 1);
            depot.put(index);
        } finally {
            lock.unlock();
        }
    }

    private void pushSlowBatch(int[] indices, int offset, int n, int code) {
        lock.lockForSlowPath();
        try {
            ensureOpen();
            depot.count(DepotCounter.LOCK_ACQUISITIONS, 1);
            countPushMiss(code >= 0 || code == NativeCodes.FULL, n);
            depot.put(indices, offset, n);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A push of {@code returned} indices that missed its stack: when it was
     * full, flush a batch of it to the depot (the caller then puts the
     * returned ones there too). Lock held.
     */
    private void countPushMiss(boolean full, int returned) {
        if (!full) {
            depot.count(DepotCounter.SLOW_PATH_ENTRIES, 1);
            return;
        }
        IndexArray batch = depot.scratch;
        int k = stacks.popBatch(batch, 0, batch.values().length);
        if (k > 0) {
            depot.put(batch.values(), 0, k);
        }
        int cpu = PerCpuStacks.currentCpu();
        depot.count(DepotCounter.FLUSHES, 1);
        Depot.note(depot.flushesOnCpu, cpu);
        SlowPathEvents.flush(owner, slotSize, cpu, Math.max(k, 0) + returned);
    }
}
