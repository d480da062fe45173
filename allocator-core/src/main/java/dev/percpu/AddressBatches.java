package dev.percpu;

import dev.percpu.engine.IndexPool;

/**
 * Batch allocation and free of slot addresses for a {@link SlabAllocator}
 * (debug mode aside, which goes slot by slot).
 *
 * <p>With a power-of-two slot size a batch is one native call each way: C
 * pops indices and writes addresses straight into the caller's array, or
 * checks every address and pushes their indices
 * ({@code percpu_address_batch.h}). What that call cannot do (the CPU's
 * stack ran short or full, a slow-path code, other slot sizes, a bad
 * address) goes through the index path: a per-thread scratch {@code int[]}
 * of {@value #CHUNK} indices, converted in Java, through the pool's batch
 * operations and slow paths.
 */
final class AddressBatches {
    /** Indices moved per native call by the index path. */
    private static final int CHUNK = 256;
    private static final ThreadLocal<int[]> CHUNK_SCRATCH = ThreadLocal.withInitial(() -> new int[CHUNK]);

    private final IndexPool pool;
    private final SlotGeometry geometry;

    AddressBatches(IndexPool pool, SlotGeometry geometry) {
        this.pool = pool;
        this.geometry = geometry;
    }

    /** Fills {@code dst[0 .. n)}, {@code n >= 1}; returns how many (fewer only when the pool ran out). */
    int allocate(long[] dst, int n) {
        int done = 0;
        if (geometry.shift() >= 0) {
            done = pool.popAddresses(dst, n, geometry.region(), geometry.shift());
            if (done == n) {
                return n;
            }
        }
        int[] indices = CHUNK_SCRATCH.get();
        while (done < n) {
            int want = Math.min(n - done, CHUNK);
            int got = pool.popBatch(indices, want);
            geometry.toAddresses(indices, got, dst, done);
            done += got;
            if (got < want) {
                break;
            }
        }
        return done;
    }

    /**
     * Returns {@code src[0 .. n)}, {@code n >= 1}, after checking every address; one bad address frees nothing.
     *
     * @throws IllegalArgumentException naming the first bad address
     */
    void free(long[] src, int n) {
        if (geometry.shift() >= 0) {
            int r = pool.pushAddresses(src, n, geometry.region(), geometry.shift());
            if (r >= 0) {
                pushChecked(src, r, n - r);
                return;
            }
            // An error code (BAD_ADDRESS included) pushed nothing: the checked path below decides.
        }
        geometry.checkAll(src, n, pool.carved());
        pushChecked(src, 0, n);
    }

    /** Returns {@code src[0 .. n)}, addresses already checked. */
    void freeChecked(long[] src, int n) {
        pushChecked(src, 0, n);
    }

    /** Pushes {@code src[at .. at + n)}, addresses already checked, through the scratch index array. */
    private void pushChecked(long[] src, int at, int n) {
        int[] indices = CHUNK_SCRATCH.get();
        for (int done = 0; done < n; ) {
            int want = Math.min(n - done, CHUNK);
            for (int i = 0; i < want; i++) {
                indices[i] = geometry.indexOfChecked(src[at + done + i]);
            }
            pool.pushBatch(indices, want);
            done += want;
        }
    }
}
