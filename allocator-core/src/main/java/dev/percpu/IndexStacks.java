package dev.percpu;

import dev.percpu.bridge.Bridge;
import dev.percpu.bridge.StackLayout;
import java.nio.ByteBuffer;

/**
 * Free indices {@code 0 .. slots-1} in per-CPU stacks plus a shared
 * {@link Depot}: the machinery every pool of this package stands on.
 * {@link SlabAllocator} maps indices to addresses of its region,
 * {@link ObjectPool} to elements of its object array.
 *
 * <pre>
 *   pop/push  --(rseq section or per-CPU try-lock)-->  CPU stack of the calling thread's CPU
 *        |  empty on pop: refill a batch from the depot
 *        |  full on push: flush a batch to the depot
 *        |  no rseq registration, restart bound hit, stack stopped: use the depot directly
 *        v
 *   depot (lock)  --empty-->  steal a batch from another CPU's stack (remote take)  --none-->  exhausted
 * </pre>
 *
 * <p>Threading: every method may be called from any thread. The fast path
 * takes no lock in {@link Mode#RSEQ}; slow paths serialise on the depot
 * lock ({@code synchronized (depot)}), which also guards the closed flag's
 * writes. Indices are trusted: the owner checks them (range, carved) before
 * {@link #push(int)}.
 *
 * <p>Closing: {@link #close(Runnable)} stops every CPU stack for good under
 * the depot lock; calls racing with it find their stack stopped, reach a
 * slow path and throw {@link IllegalStateException} there (see
 * {@code docs/design.md}, "Closing").
 */
final class IndexStacks {
    private final Bridge bridge;
    private final String owner;
    private final Mode mode;
    private final boolean fallback;
    private final int slots;
    private final int ncpu;
    private final long block;
    private final ByteBuffer headers;
    private final Depot depot;
    private volatile boolean closed;

    /**
     * Maps the per-CPU stacks: each CPU's array holds up to {@code maxPerCpuCapacity}
     * indices (the most a rebalancer may give it) and starts with capacity
     * {@code perCpuCapacity}.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     */
    IndexStacks(Bridge bridge, String owner, Mode requested, int slots, int perCpuCapacity, int maxPerCpuCapacity,
                int batchSize) {
        this.bridge = bridge;
        this.owner = owner;
        this.mode = requested.resolved();
        this.fallback = mode == Mode.FALLBACK;
        this.slots = slots;
        this.ncpu = bridge.possibleCpus();
        this.depot = new Depot(slots, batchSize, ncpu);
        this.block = bridge.createBlock(ncpu, maxPerCpuCapacity);
        this.headers = bridge.view(block, StackLayout.cpuHeaderOffset(ncpu));
        for (int cpu = 0; cpu < ncpu; cpu++) {
            // The block is not shared yet: plain writes of the starting capacity are safe.
            headers.putInt((int) StackLayout.cpuHeaderOffset(cpu) + StackLayout.CAPACITY_OFFSET, perCpuCapacity);
        }
    }

    Bridge bridge() {
        return bridge;
    }

    long block() {
        return block;
    }

    boolean fallback() {
        return fallback;
    }

    Depot depot() {
        return depot;
    }

    ByteBuffer headers() {
        return headers;
    }

    int slots() {
        return slots;
    }

    Mode mode() {
        return mode;
    }

    int cpus() {
        return ncpu;
    }

    boolean isClosed() {
        return closed;
    }

    /** Indices below this have been handed out at least once. */
    int carved() {
        return depot.carved();
    }

    /**
     * A free index, or {@code -1} when none is free anywhere.
     *
     * @throws IllegalStateException after close
     */
    int pop() {
        int r = fallback ? bridge.fallbackPop(block) : bridge.pop(block);
        return r >= 0 ? r : popSlow(r);
    }

    /**
     * Pops up to {@code n} indices into {@code dst[0 .. n)}; fewer only when
     * none is left anywhere. {@code n <= dst.length}.
     *
     * @throws IllegalStateException after close
     */
    int popBatch(int[] dst, int n) {
        int r = fallback ? bridge.fallbackPopBatch(block, dst, 0, n) : bridge.popBatch(block, dst, 0, n);
        int got = Math.max(r, 0);
        if (got < n) {
            got += popSlowBatch(dst, got, n - got, r);
        }
        return got;
    }

    /**
     * Returns a checked index.
     *
     * @throws IllegalStateException after close
     */
    void push(int index) {
        int r = fallback ? bridge.fallbackPush(block, index) : bridge.push(block, index);
        if (r != 0) {
            pushSlow(index, r);
        }
    }

    /**
     * Returns {@code src[0 .. n)}, checked indices.
     *
     * @throws IllegalStateException after close
     */
    void pushBatch(int[] src, int n) {
        int r = fallback ? bridge.fallbackPushBatch(block, src, 0, n) : bridge.pushBatch(block, src, 0, n);
        int pushed = Math.max(r, 0);
        if (pushed < n) {
            pushSlowBatch(src, pushed, n - pushed, r);
        }
    }

    /**
     * Moves every index cached by every CPU's stack into the depot, one
     * remote take per CPU that holds any (allocates one array of the stack
     * size); returns how many.
     */
    long drain() {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            long moved = 0;
            int stride = headers.getInt(StackLayout.BLOCK_STRIDE_OFFSET);
            int[] whole = new int[stride];
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int k = bridge.remoteTake(block, cpu, whole, 0, whole.length, fallback);
                depot.put(whole, 0, k);
                moved += k;
            }
            depot.drainedSlots += moved;
            return moved;
        }
    }

    /** A snapshot of the counters; {@code slotSize} is 0 for pools of objects. */
    SlabStats stats(int slotSize) {
        synchronized (depot) {
            ensureOpen();
            return new SlabStats(this, slotSize);
        }
    }

    /**
     * Stops the per-CPU stacks for good, then runs {@code afterStop} (the
     * owner's unmapping) under the depot lock. Returns false, doing nothing,
     * when already closed.
     */
    boolean close(Runnable afterStop) {
        synchronized (depot) {
            if (closed) {
                return false;
            }
            closed = true;
            try {
                bridge.closeBlock(block, fallback);
            } finally {
                afterStop.run();
            }
            return true;
        }
    }

    /** Unmaps the stacks of a pool whose construction failed after this one was made; never after use. */
    void abandon() {
        closed = true;
        bridge.destroyBlock(block);
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this " + owner + " is closed");
        }
    }

    /** Pop after the CPU stack could not serve: refill, depot, steal. Returns an index or -1. */
    int popSlow(int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            int[] scratch = depot.scratch;
            if (code == Bridge.EMPTY) {
                int k = depot.take(scratch, 0, scratch.length);
                if (k > 0) {
                    depot.refills++;
                    Depot.note(depot.refillsOnCpu, bridge.currentCpu());
                    if (k > 1) {
                        int pushed = Math.max(0, fallback ? bridge.fallbackPushBatch(block, scratch, 0, k - 1)
                            : bridge.pushBatch(block, scratch, 0, k - 1));
                        depot.put(scratch, pushed, k - 1 - pushed);
                    }
                    return scratch[k - 1];
                }
            } else {
                depot.slowPathEntries++;
                if (depot.take(scratch, 0, 1) == 1) {
                    return scratch[0];
                }
            }
            int k = steal(scratch, 0, scratch.length);
            if (k == 0) {
                return -1;
            }
            depot.put(scratch, 0, k - 1);
            return scratch[k - 1];
        }
    }

    /** Batch pop after the CPU stack gave fewer than asked: depot, then steal. Returns the count added. */
    private int popSlowBatch(int[] indices, int offset, int n, int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            if (code >= 0 || code == Bridge.EMPTY) {
                depot.refills++;
            } else {
                depot.slowPathEntries++;
            }
            int got = depot.take(indices, offset, n);
            while (got < n) {
                int k = steal(indices, offset + got, n - got);
                if (k == 0) {
                    break;
                }
                got += k;
            }
            return got;
        }
    }

    /**
     * Takes up to n indices from the first CPU stack (the caller's own
     * included) that has any. A CPU that cannot be fenced is skipped: a
     * failed remote take takes nothing. Depot lock held.
     */
    private int steal(int[] dst, int offset, int n) {
        for (int cpu = 0; cpu < ncpu; cpu++) {
            int k;
            try {
                k = bridge.remoteTake(block, cpu, dst, offset, n, fallback);
            } catch (IllegalStateException cannotFence) {
                continue;
            }
            if (k > 0) {
                depot.steals++;
                return k;
            }
        }
        return 0;
    }

    void pushSlow(int index, int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            if (code == Bridge.FULL) {
                flushBatch();
                Depot.note(depot.flushesOnCpu, bridge.currentCpu());
            } else {
                depot.slowPathEntries++;
            }
            depot.put(index);
        }
    }

    private void pushSlowBatch(int[] indices, int offset, int n, int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            if (code >= 0 || code == Bridge.FULL) {
                flushBatch();
                Depot.note(depot.flushesOnCpu, bridge.currentCpu());
            } else {
                depot.slowPathEntries++;
            }
            depot.put(indices, offset, n);
        }
    }

    /** The current CPU's stack is full: move a batch of it to the depot. Depot lock held. */
    private void flushBatch() {
        int[] scratch = depot.scratch;
        int k = fallback ? bridge.fallbackPopBatch(block, scratch, 0, scratch.length)
            : bridge.popBatch(block, scratch, 0, scratch.length);
        if (k > 0) {
            depot.put(scratch, 0, k);
        }
        depot.flushes++;
    }
}
