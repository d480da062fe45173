package dev.percpu.bridge;

/**
 * The critical fast operations on a block of per-CPU index stacks: the ones
 * every binding provides (JNI on JDK 17+, FFM critical downcalls on 22+),
 * chosen once per JVM by {@link Bridges#stacks()}. Only the allocator
 * engine's per-CPU stacks object ({@code dev.percpu.engine.PerCpuStacks})
 * calls them.
 *
 * <p>Each call acts on the calling thread's current CPU, never blocks, and
 * returns a count, an index, or a code of {@link NativeCodes}. Every call
 * takes the block's mode as {@code fallback}: {@code false} runs the rseq
 * form (one rseq section, no lock), {@code true} the fallback form (the
 * same stack under its CPU's try-lock). The mode is the block owner's,
 * fixed when the block is created; the native side branches on it, so one
 * entry point serves both forms. Java-side checks (array bounds, counts)
 * happen in the implementation before the crossing; the block address is
 * trusted.
 */
public interface StackCalls {
    /** Short name of the binding, for diagnostics: "jni" or "ffm". */
    String name();

    /** Pop on the current CPU: an index, {@link NativeCodes#EMPTY} or an error code. */
    int pop(long block, boolean fallback);

    /** Push on the current CPU: 0, {@link NativeCodes#FULL} or an error code. */
    int push(long block, boolean fallback, int index);

    /** Pop of up to {@code n} indices into {@code dst[offset ..]}: the count (0 when empty) or an error code. */
    int popBatch(long block, boolean fallback, int[] dst, int offset, int n);

    /** Push of up to {@code n} indices from {@code src[offset ..]}: the count (0 when full) or an error code. */
    int pushBatch(long block, boolean fallback, int[] src, int offset, int n);

    /** An index array of {@code length} zeros for the two calls below, with this binding's view of it made now. */
    IndexArray newIndexArray(int length);

    /** {@link #popBatch(long, boolean, int[], int, int)} into {@code dst.values()}, allocating nothing. */
    int popBatch(long block, boolean fallback, IndexArray dst, int offset, int n);

    /** {@link #pushBatch(long, boolean, int[], int, int)} from {@code src.values()}, allocating nothing. */
    int pushBatch(long block, boolean fallback, IndexArray src, int offset, int n);

    /**
     * Pop of up to {@code n} slots into {@code dst[offset ..]} as addresses
     * {@code region + (index << shift)}, in chunks of 64 per section (or per
     * lock hold). Returns the count (0 when empty; a short count when the
     * stack ran short) or an error code.
     */
    int popAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region, int shift);

    /**
     * Checks {@code src[offset .. offset + n)} (each address in
     * {@code [region, region + limit)} on a multiple of {@code 1 << shift})
     * and pushes their indices. Returns the count pushed (short when the
     * stack filled up), {@link NativeCodes#BAD_ADDRESS} with nothing pushed,
     * or an error code.
     */
    int pushAddresses(long block, boolean fallback, long[] src, int offset, int n, long region, int shift,
                      long limit);
}
