package dev.percpu.engine;

import java.util.Arrays;

/**
 * The shared freelist behind the per-CPU stacks: slot indices that no CPU
 * caches, plus the never-used tail of the region.
 *
 * <p>Fresh slots are carved from the region in index order only when the
 * freed ones run out, so pages of the region are touched (and committed by
 * the kernel) only as the pool's high-water mark grows. The array of freed
 * indices grows with that mark too (it is always at least as long as the
 * carved count, and only carved indices come back), so returning indices
 * never allocates: the zero-GC pipeline once saw 328 B when the array grew
 * on a free.
 *
 * <p>Not thread-safe: every method is called with the owning
 * {@link IndexPool}'s lock held, which also guards the scratch array and the
 * counters ({@link DepotCounter}).
 */
final class Depot {
    private final int slots;
    /** Indices below this have been handed out at least once; volatile for the free() sanity check. */
    private volatile int carved;
    private int[] free = new int[64];
    private int freeCount;

    /** Scratch for moving batches between a CPU stack and the depot, sized to the batch. */
    final int[] scratch;

    private final long[] counts = new long[DepotCounter.values().length];
    /** Refills (allocate found the stack empty) and flushes (free found it full), per CPU that saw them. */
    final long[] refillsOnCpu;
    final long[] flushesOnCpu;

    Depot(int slots, int batchSize, int ncpu) {
        this.slots = slots;
        this.scratch = new int[Math.max(batchSize, 1)];
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

    /** Freed slots held here (not counting the never-used tail). */
    int freeCount() {
        return freeCount;
    }

    /** The freed index at position i of the stack (0 = the oldest). */
    int freeAt(int i) {
        return free[i];
    }

    /** Takes up to n indices into dst[offset ..]: freed ones first, then fresh ones. Returns the count. */
    int take(int[] dst, int offset, int n) {
        int k = Math.min(n, freeCount);
        System.arraycopy(free, freeCount - k, dst, offset, k);
        freeCount -= k;
        int carvedNow = carved;
        int fresh = Math.min(n - k, slots - carvedNow);
        for (int i = 0; i < fresh; i++) {
            dst[offset + k + i] = carvedNow + i;
        }
        if (fresh > 0) {
            carved = carvedNow + fresh;
            if (free.length < carved) {
                free = Arrays.copyOf(free, Math.min(slots, Math.max(carved, free.length * 2)));
            }
        }
        return k + fresh;
    }

    /** Only carved indices come back, so the array, as long as the carved count, always has room. */
    void put(int index) {
        free[freeCount++] = index;
    }

    /** As {@link #put(int)}, for {@code src[offset .. offset + n)}. */
    void put(int[] src, int offset, int n) {
        System.arraycopy(src, offset, free, freeCount, n);
        freeCount += n;
    }

    /** Slots held here, freed or never used. */
    long available() {
        return freeCount + (long) (slots - carved);
    }

    /** Slots handed out at least once (the high-water mark of the region). */
    int carved() {
        return carved;
    }
}
