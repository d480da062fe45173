package dev.percpu.bridge;

/**
 * The research primitives' native operations (package
 * {@code dev.percpu.primitives}): per-CPU rows of words changed in one rseq
 * section each, or under the row's lock in fallback mode, and the
 * event-count begin/commit. Both bindings provide them (critical downcalls
 * on FFM); {@link Bridges#primitives()} picks one per JVM.
 *
 * <p>Rows: row {@code c} of a table is {@code base + c * rowBytes}, for
 * {@code ncpu} rows; {@code locks != 0} selects fallback mode, row {@code c}'s
 * lock at {@code locks + 128 * c}. The caller guarantees that rows and
 * offsets are in bounds. Results: the CPU used or 0/1 (compare failed), or a
 * negative code of {@link NativeCodes}.
 */
public interface PrimitiveCalls {
    /** The CPU the calling thread runs on now (may change at any moment). */
    int currentCpu();

    /** The calling thread's mm_cid (dense concurrency id, Linux 6.3+), or -1 where unavailable. */
    int mmCid();

    /** On the current CPU's row: {@code word(offset) += delta}. Returns the CPU used, or a negative code. */
    int opAdd(long base, long rowBytes, int ncpu, long locks, int offset, long delta);

    /** If {@code word(offset) == expect}: {@code word(offset2) = value2}, then commit {@code word(offset) = update}. 0, 1 (compare failed) or a negative code. */
    int opCompareStore(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                       int offset2, long value2);

    /** If {@code word(offset) == expect}: copy {@code length} bytes of {@code src} to {@code copyOffset}, then commit {@code word(offset) = update}. */
    int opCompareCopy(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                      int copyOffset, byte[] src, int srcOffset, int length);

    /** Event-count begin on the current CPU: a ticket {@code cpu << 48 | sequence}, or a negative code. */
    long eventBegin(long counters, long rowBytes, int ncpu, long locks);

    /** Event-count commit: {@code *target = value} if still on the ticket's CPU and its counter is unchanged. */
    int eventCommit(long counters, long rowBytes, int ncpu, long locks, long ticket, long target, long value);
}
