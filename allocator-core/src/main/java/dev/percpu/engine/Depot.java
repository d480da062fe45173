package dev.percpu.engine;

import dev.percpu.bridge.IndexArray;
import java.util.Arrays;

/**
 * The shared freelist behind the per-CPU stacks: slot indices that no CPU
 * caches, plus the never-used tail of the region, committed and handed back
 * in chunks of {@link SlotMemory}.
 *
 * <p>Chunks: chunk {@code c} is indices {@code [c << shift, (c + 1) << shift)}.
 * Below the carved mark (indices handed out at least once) a chunk is either
 * committed (charged to the budget; each of its indices is on a CPU stack,
 * held by the application, or in {@link #free}) or handed back (none of its
 * indices is anywhere: the depot owns all of them). {@link #freeInChunk}
 * counts, per committed chunk, its indices in {@code free}; a chunk whose
 * count equals its carved indices is wholly free and may be handed back
 * ({@link #handBack}). Handing back the chunks at the top lowers the carved
 * mark.
 *
 * <p>{@link #take} serves freed indices first, then commits a handed-back
 * chunk, then carves fresh indices in index order, committing a new chunk
 * when it enters one. So pages are touched, and memory charged, only as the
 * pool's high-water mark grows, and a commit the budget refuses stops the
 * take short (the pool then steals or reports exhaustion).
 *
 * <p>The array of freed indices grows with the carved mark (it is always at
 * least as long as the carved count, and only carved indices come back), so
 * returning indices never allocates.
 *
 * <p>Not thread-safe: every method is called with the owning
 * {@link IndexPool}'s lock held, which also guards the scratch array and the
 * counters ({@link DepotCounter}).
 */
final class Depot {
    /** {@link #freeInChunk}: the chunk was handed back. */
    private static final int HANDED_BACK = -1;
    /** {@link #freeInChunk}, inside {@link #handBack} only: the chunk is being handed back. */
    private static final int PICKED = -2;

    private final int slots;
    /** Null for pools of indices that are not memory (object pools): chunks then commit without a charge. */
    private final SlotMemory memory;
    private final int chunkShift;
    /** Indices below this have been handed out at least once; volatile for the free() sanity check. */
    private volatile int carved;
    private int[] free = new int[64];
    private int freeCount;
    /** Per chunk below the carved mark: its indices in {@link #free}, or {@link #HANDED_BACK}. */
    private int[] freeInChunk = new int[4];
    /** Chunks below the carved mark that were handed back. */
    private int handedBackChunks;
    /** Where the search for a handed-back chunk starts: none is below it. */
    private int handedBackHint;
    /** The fewest freed indices held since {@link #lowWaterAndReset()}. */
    private int lowWater;
    /** Why the last take came short of fresh memory: a {@link SlotMemory} code, {@code COMMITTED} when it did not. */
    private int lastCommitRefusal = SlotMemory.COMMITTED;

    /**
     * Scratch for moving batches between a CPU stack and the depot, sized to
     * the batch; an index array so that a batch call on it allocates nothing,
     * even on a thread's first refill or flush.
     */
    final IndexArray scratch;

    private final long[] counts = new long[DepotCounter.values().length];
    /** Refills (allocate found the stack empty) and flushes (free found it full), per CPU that saw them. */
    final long[] refillsOnCpu;
    final long[] flushesOnCpu;

    Depot(int slots, int batchSize, int ncpu, SlotMemory memory) {
        this.slots = slots;
        this.memory = memory;
        this.chunkShift = memory == null ? 6 : memory.chunkShift();
        this.scratch = PerCpuStacks.newIndexArray(Math.max(batchSize, 1));
        this.refillsOnCpu = new long[ncpu];
        this.flushesOnCpu = new long[ncpu];
    }

    /** Adds {@code delta} to a counter. */
    void count(DepotCounter counter, long delta) {
        counts[counter.ordinal()] += delta;
    }

    /** A counter's value. */
    long get(DepotCounter counter) {
        return counts[counter.ordinal()];
    }

    /** A copy of every counter, indexed by {@link DepotCounter#ordinal()}. */
    long[] counts() {
        return counts.clone();
    }

    /** Counts a refill or flush on cpu (ignored if the id is out of range). */
    static void note(long[] perCpu, int cpu) {
        if (cpu >= 0 && cpu < perCpu.length) {
            perCpu[cpu]++;
        }
    }

    /** Freed slots held here (not counting the never-used tail or handed-back chunks). */
    int freeCount() {
        return freeCount;
    }

    /**
     * Takes up to n indices into dst[offset ..]: freed ones first, then those of a handed-back
     * chunk, then fresh ones. Returns the count: fewer than n when the indices ran out or the
     * budget (or the kernel) refused a chunk ({@link #lastCommitRefusal()} says which).
     */
    int take(int[] dst, int offset, int n) {
        int got = 0;
        lastCommitRefusal = SlotMemory.COMMITTED;
        while (true) {
            int k = Math.min(n - got, freeCount);
            System.arraycopy(free, freeCount - k, dst, offset + got, k);
            for (int i = 0; i < k; i++) {
                freeInChunk[dst[offset + got + i] >>> chunkShift]--;
            }
            freeCount -= k;
            lowWater = Math.min(lowWater, freeCount);
            got += k;
            if (got == n) {
                return got;
            }
            if (handedBackChunks > 0) {
                if (!recommit()) {
                    return got;
                }
                continue;
            }
            int carvedNow = carved;
            if (carvedNow == slots) {
                return got;
            }
            int chunk = carvedNow >>> chunkShift;
            if ((carvedNow & chunkMask()) == 0 && !commit(chunk)) {
                return got;
            }
            int fresh = Math.min(n - got, Math.min(slots, (chunk + 1) << chunkShift) - carvedNow);
            for (int i = 0; i < fresh; i++) {
                dst[offset + got + i] = carvedNow + i;
            }
            carved = carvedNow + fresh;
            if (free.length < carved) {
                free = Arrays.copyOf(free, Math.min(slots, Math.max(carved, free.length * 2)));
            }
            got += fresh;
        }
    }

    /** Only carved indices come back, so the array, as long as the carved count, always has room. */
    void put(int index) {
        free[freeCount++] = index;
        freeInChunk[index >>> chunkShift]++;
    }

    /** As {@link #put(int)}, for {@code src[offset .. offset + n)}. */
    void put(int[] src, int offset, int n) {
        System.arraycopy(src, offset, free, freeCount, n);
        freeCount += n;
        for (int i = offset; i < offset + n; i++) {
            freeInChunk[src[i] >>> chunkShift]++;
        }
    }

    /** Slots held here: freed, in handed-back chunks, or never used. */
    long available() {
        return freeCount + ((long) handedBackChunks << chunkShift) + (slots - carved);
    }

    /** Slots handed out at least once (the high-water mark of the region, lowered by handing back its top). */
    int carved() {
        return carved;
    }

    /** Bytes of the chunks committed now (charged to the budget); 0 for object pools. */
    long committedBytes() {
        if (memory == null) {
            return 0;
        }
        int chunks = chunkCount(carved);
        long bytes = chunks == 0 ? 0 : (long) (chunks - 1) * memory.chunkBytes() + memory.bytesOf(chunks - 1);
        return bytes - (long) handedBackChunks * memory.chunkBytes();
    }

    /** Why the last {@link #take} came short of fresh memory: a {@link SlotMemory} code. */
    int lastCommitRefusal() {
        return lastCommitRefusal;
    }

    /** The fewest freed indices held since the last call; starts a new interval at the count now. */
    int lowWaterAndReset() {
        int low = lowWater;
        lowWater = freeCount;
        return low;
    }

    /**
     * Hands back wholly free chunks, highest first, while at least {@code keepSlots} freed indices
     * stay: their indices leave the freelist, their pages go back to the kernel and their bytes to
     * the budget. Returns the resident bytes released; does nothing for object pools.
     */
    long handBack(int keepSlots) {
        if (memory == null || freeCount <= keepSlots) {
            return 0;
        }
        int carvedNow = carved;
        int chunks = chunkCount(carvedNow);
        int spare = freeCount - keepSlots;
        boolean any = false;
        for (int c = chunks - 1; c >= 0; c--) {
            int carvedInChunk = Math.min(carvedNow - (c << chunkShift), 1 << chunkShift);
            if (freeInChunk[c] == carvedInChunk && carvedInChunk <= spare) {
                spare -= carvedInChunk;
                freeInChunk[c] = PICKED;
                any = true;
            }
        }
        if (!any) {
            return 0;
        }
        int kept = 0;
        for (int i = 0; i < freeCount; i++) {
            int index = free[i];
            if (freeInChunk[index >>> chunkShift] != PICKED) {
                free[kept++] = index;
            }
        }
        freeCount = kept;
        lowWater = Math.min(lowWater, freeCount);
        long released = 0;
        for (int c = 0; c < chunks; c++) {
            if (freeInChunk[c] == PICKED) {
                int end = c;
                while (end < chunks && freeInChunk[end] == PICKED) {
                    freeInChunk[end++] = HANDED_BACK;
                }
                released += memory.release(c, end);
                c = end;
            }
        }
        int top = chunks;
        while (top > 0 && freeInChunk[top - 1] == HANDED_BACK) {
            freeInChunk[--top] = 0;
        }
        carved = Math.min(carvedNow, top << chunkShift);
        handedBackChunks = 0;
        handedBackHint = top;
        for (int c = top - 1; c >= 0; c--) {
            if (freeInChunk[c] == HANDED_BACK) {
                handedBackChunks++;
                handedBackHint = c;
            }
        }
        return released;
    }

    /** Commits the lowest handed-back chunk and puts all its indices in the freelist; false when refused. */
    private boolean recommit() {
        int c = handedBackHint;
        while (freeInChunk[c] != HANDED_BACK) {
            c++;
        }
        if (!commit(c)) {
            handedBackHint = c;
            return false;
        }
        int first = c << chunkShift;
        for (int index = first + (1 << chunkShift) - 1; index >= first; index--) {
            free[freeCount++] = index;
        }
        freeInChunk[c] = 1 << chunkShift;
        handedBackChunks--;
        handedBackHint = c + 1;
        return true;
    }

    /** Charges chunk {@code chunk} and makes it writable; records why when refused. */
    private boolean commit(int chunk) {
        if (memory != null) {
            int code = memory.commit(chunk);
            if (code != SlotMemory.COMMITTED) {
                lastCommitRefusal = code;
                return false;
            }
        }
        if (chunk >= freeInChunk.length) {
            freeInChunk = Arrays.copyOf(freeInChunk, Math.max(chunk + 1, freeInChunk.length * 2));
        }
        freeInChunk[chunk] = 0;
        return true;
    }

    /** Chunks that hold any of the first {@code indices} indices. */
    private int chunkCount(int indices) {
        return (int) (((long) indices + (1 << chunkShift) - 1) >>> chunkShift);
    }

    private int chunkMask() {
        return (1 << chunkShift) - 1;
    }
}
