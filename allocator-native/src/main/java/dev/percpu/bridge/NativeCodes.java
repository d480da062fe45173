package dev.percpu.bridge;

/**
 * The fixed codes the native side returns, mirrored from C
 * ({@code percpu_rseq.h}, {@code percpu_remote.h}); a test compares them
 * with the compiled C values.
 *
 * <p>Stack operations return an {@code int}: a non-negative value is an
 * index or a count, a negative one is a result code below. Every code but
 * {@link #EMPTY}, {@link #FULL} and {@link #BAD_ADDRESS} means "this CPU's
 * stack cannot be used by this call right now; take the shared slow path".
 */
public final class NativeCodes {
    /** Pop: the current CPU's stack holds nothing. */
    public static final int EMPTY = -1;
    /** Push: the current CPU's stack is at capacity. */
    public static final int FULL = -2;
    /** The calling thread has no working rseq registration. */
    public static final int NO_RSEQ = -3;
    /** The section aborted {@link RseqCalls#restartLimit()} times in a row. */
    public static final int RESTART_LIMIT = -4;
    /** A remote thread owns the current CPU's stack (or the block is closed). */
    public static final int STOPPED = -5;
    /** Fallback mode: the CPU's lock stayed taken. */
    public static final int BUSY = -6;
    /** The kernel reported a CPU id beyond the block (CPU hot-added). */
    public static final int BAD_CPU = -7;
    /** {@link StackCalls#pushAddresses}: an address failed the slot checks; nothing was pushed. */
    public static final int BAD_ADDRESS = -8;

    /** {@link RseqCalls#rseqStatus()}: no working registration for the calling thread. */
    public static final int RSEQ_UNAVAILABLE = 0;
    /** {@link RseqCalls#rseqStatus()}: the thread uses the area glibc registered. */
    public static final int RSEQ_GLIBC = 1;
    /** {@link RseqCalls#rseqStatus()}: the thread uses an area percpu registered itself. */
    public static final int RSEQ_OWN = 2;

    /** {@link BlockCalls#fenceKind()}: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) on one CPU. */
    public static final int FENCE_MEMBARRIER = 1;
    /** {@link BlockCalls#fenceKind()}: the remote thread moves itself onto the CPU with sched_setaffinity. */
    public static final int FENCE_AFFINITY = 2;

    private NativeCodes() {
    }
}
