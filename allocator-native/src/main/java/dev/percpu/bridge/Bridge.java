package dev.percpu.bridge;

import java.nio.ByteBuffer;

/**
 * The single internal entry point from Java into percpu's native code: the
 * per-CPU index stacks (rseq and fallback drivers), registration facts, the
 * mapping of native memory, and the test hooks.
 *
 * <p>Threading: every method may be called from any thread. The stack
 * operations act on the calling thread's current CPU; in rseq mode they take
 * no lock and perform no atomic read-modify-write, in fallback mode they take
 * the CPU's try-lock. None of them blocks: a stack that cannot be used right
 * now gives a negative result code and the caller goes elsewhere (the depot).
 *
 * <p>Result codes (non-negative values are indices or counts):
 * {@link #EMPTY}, {@link #FULL}, {@link #NO_RSEQ}, {@link #RESTART_LIMIT},
 * {@link #STOPPED}, {@link #BUSY}, {@link #BAD_CPU}, {@link #BAD_ADDRESS}.
 */
public interface Bridge {
    /** Pop: the current CPU's stack holds nothing. */
    int EMPTY = -1;
    /** Push: the current CPU's stack is at capacity. */
    int FULL = -2;
    /** The calling thread has no working rseq registration: use the shared slow path. */
    int NO_RSEQ = -3;
    /** The section aborted {@link #restartLimit()} times in a row: use the shared slow path. */
    int RESTART_LIMIT = -4;
    /** A remote thread owns the current CPU's stack: use the shared slow path. */
    int STOPPED = -5;
    /** Fallback mode: the CPU's lock stayed taken: use the shared slow path. */
    int BUSY = -6;
    /** The kernel reported a CPU id beyond the block (CPU hot-added): use the shared slow path. */
    int BAD_CPU = -7;
    /** {@link #pushAddresses}: an address failed the slot checks; nothing was pushed. */
    int BAD_ADDRESS = -8;

    /** {@link #rseqStatus()}: no working registration for the calling thread. */
    int RSEQ_UNAVAILABLE = 0;
    /** {@link #rseqStatus()}: the thread uses the area glibc registered. */
    int RSEQ_GLIBC = 1;
    /** {@link #rseqStatus()}: the thread uses an area percpu registered itself. */
    int RSEQ_OWN = 2;

    /** {@link #fenceKind()}: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) on one CPU. */
    int FENCE_MEMBARRIER = 1;
    /** {@link #fenceKind()}: the remote thread moves itself onto the CPU with sched_setaffinity. */
    int FENCE_AFFINITY = 2;

    /** Short name of this binding, for diagnostics ("jni"). */
    String name();

    /** Number of possible CPUs (highest id in /sys/devices/system/cpu/possible, plus one). */
    int possibleCpus();

    /** Registration of the calling thread: {@link #RSEQ_GLIBC}, {@link #RSEQ_OWN} or {@link #RSEQ_UNAVAILABLE}. */
    int rseqStatus();

    /** The CPU the calling thread runs on now (may change at any moment). */
    int currentCpu();

    /** Exact number of section aborts the calling thread has seen. */
    long threadAborts();

    /**
     * Pins the calling thread to {@code cpu} (its previous affinity is saved
     * the first time), or restores the saved affinity when {@code cpu < 0}.
     * For tests, benchmarks and the rebalancer's affinity fence.
     *
     * @return true on success, false when the kernel refused (CPU offline or outside the cpuset)
     */
    boolean pinCurrentThread(int cpu);

    /** Consecutive aborts after which an operation returns {@link #RESTART_LIMIT}. */
    int restartLimit();

    /** Sets the restart bound, process-wide; {@code limit >= 1}. */
    void restartLimit(int limit);

    /** Test hook, process-wide: when on, every rseq section takes its abort path. */
    void forceAbort(boolean on);

    /** {@code offsetof}/{@code sizeof} as compiled into the C side, by {@link StackLayout} field id. */
    long layoutOffset(int field);

    /**
     * Maps a block of {@code ncpu} per-CPU stacks of {@code stride} entries.
     *
     * @throws IllegalArgumentException for sizes outside the native limits
     * @throws OutOfMemoryError when the mapping fails
     */
    long createBlock(int ncpu, int stride);

    /** Unmaps a block; it must not be used again. */
    void destroyBlock(long block);

    /** {@link #FENCE_MEMBARRIER} or {@link #FENCE_AFFINITY}: how remote access waits out sections on a CPU. */
    int fenceKind();

    /** Fences run by this process so far (membarrier calls or affinity moves). */
    long remoteFences();

    /**
     * Takes up to {@code n} indices off CPU {@code cpu}'s stack from any
     * thread (stop, fence, take, resume in rseq mode; the CPU's lock in
     * fallback mode). May block briefly; never a critical downcall.
     *
     * @return the count taken
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    int remoteTake(long block, int cpu, int[] dst, int offset, int n, boolean fallback);

    /**
     * Pushes up to {@code n} indices from {@code src[offset ..]} onto CPU
     * {@code cpu}'s stack from any thread, room permitting (same exclusion
     * as {@link #remoteTake}). May block briefly.
     *
     * @return the count pushed ({@code src[offset .. offset + count)} went in)
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    int remotePut(long block, int cpu, int[] src, int offset, int n, boolean fallback);

    /**
     * Sets CPU {@code cpu}'s capacity (1 to the block's stride) from any
     * thread. Indices above the new capacity are moved into {@code excess};
     * if more than {@code excess.length} would be, nothing changes and
     * IllegalStateException is thrown. May block briefly.
     *
     * @return the count moved into {@code excess}
     * @throws IllegalArgumentException for a capacity out of range
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    int remoteSetCapacity(long block, int cpu, int capacity, int[] excess, boolean fallback);

    /** {@code madvise(MADV_DONTNEED)}: the pages' memory goes back to the kernel; they read as zeros when touched again. */
    void releasePages(long address, long bytes);

    /** Bytes of {@code [address, address + bytes)} resident in memory now ({@code mincore}). */
    long residentBytes(long address, long bytes);

    /**
     * Stops every CPU's stack for good and releases the slot arrays; the
     * header page stays mapped so that racing calls see {@link #STOPPED}.
     * The block must not be destroyed afterwards.
     */
    void closeBlock(long block, boolean fallback);

    /** rseq pop on the current CPU: an index, {@link #EMPTY} or an error code. */
    int pop(long block);

    /** rseq push on the current CPU: 0, {@link #FULL} or an error code. */
    int push(long block, int index);

    /** rseq pop of up to {@code n} indices into {@code dst[offset ..]}: the count (0 when empty) or an error code. */
    int popBatch(long block, int[] dst, int offset, int n);

    /** rseq push of up to {@code n} indices from {@code src[offset ..]}: the count (0 when full) or an error code. */
    int pushBatch(long block, int[] src, int offset, int n);

    /**
     * Pop of up to {@code n} slots into {@code dst[offset ..]} as addresses
     * {@code region + (index << shift)}, in chunks of 64 per section
     * ({@code fallback}: under the CPU's try-lock instead). Returns the count
     * (0 when empty; a short count when the stack ran short) or an error code.
     */
    int popAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region, int shift);

    /**
     * Checks {@code src[offset .. offset + n)} (each address in
     * {@code [region, region + limit)} on a multiple of {@code 1 << shift})
     * and pushes their indices. Returns the count pushed (short when the
     * stack filled up), {@link #BAD_ADDRESS} with nothing pushed, or an error
     * code.
     */
    int pushAddresses(long block, boolean fallback, long[] src, int offset, int n, long region, int shift,
                      long limit);

    /** Fallback-mode pop (per-CPU try-lock): an index, {@link #EMPTY} or an error code. */
    int fallbackPop(long block);

    /** Fallback-mode push: 0, {@link #FULL} or an error code. */
    int fallbackPush(long block, int index);

    /** Fallback-mode batch pop: the count or an error code. */
    int fallbackPopBatch(long block, int[] dst, int offset, int n);

    /** Fallback-mode batch push: the count or an error code. */
    int fallbackPushBatch(long block, int[] src, int offset, int n);

    /**
     * Reserves {@code bytes} of address space (anonymous, private, no swap
     * reservation); pages are committed on first touch.
     *
     * @throws OutOfMemoryError when the mapping fails
     */
    long mapRegion(long bytes);

    /** Unmaps a region made by {@link #mapRegion(long)}. */
    void unmapRegion(long address, long bytes);

    /**
     * Stores {@code pattern} into every 8-byte word of {@code [address, address + bytes)}
     * (debug mode's poison). {@code address} 8-byte aligned, {@code bytes} a multiple of 8.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative or not a multiple of 8
     */
    void fillWords(long address, long bytes, long pattern);

    /**
     * The offset in bytes of the first 8-byte word of {@code [address, address + bytes)}
     * that is not {@code pattern}, or {@code -1} when all are (debug mode's poison check).
     *
     * @throws IllegalArgumentException when {@code bytes} is negative or not a multiple of 8
     */
    long findWordNot(long address, long bytes, long pattern);

    /** The calling thread's mm_cid (dense concurrency id, Linux 6.3+), or -1 where unavailable. */
    int mmCid();

    /**
     * Research primitive: on the current CPU's row ({@code base + cpu * rowBytes}),
     * {@code word(offset) += delta} in one rseq section, or under the row's
     * lock when {@code locks != 0} (fallback mode; lock of row c at
     * {@code locks + 128 * c}). Returns the CPU used, or a negative code.
     * The caller guarantees that rows and offsets are in bounds.
     */
    int opAdd(long base, long rowBytes, int ncpu, long locks, int offset, long delta);

    /** Research primitive: if {@code word(offset) == expect}: {@code word(offset2) = value2}, then commit {@code word(offset) = update}. 0, 1 (compare failed) or a negative code. */
    int opCompareStore(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                       int offset2, long value2);

    /** Research primitive: if {@code word(offset) == expect}: copy {@code length} bytes of {@code src} to {@code copyOffset}, then commit {@code word(offset) = update}. */
    int opCompareCopy(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                      int copyOffset, byte[] src, int srcOffset, int length);

    /** Event-count begin on the current CPU: a ticket {@code cpu << 48 | sequence}, or a negative code. */
    long eventBegin(long counters, long rowBytes, int ncpu, long locks);

    /** Event-count commit: {@code *target = value} if still on the ticket's CPU and its counter is unchanged. */
    int eventCommit(long counters, long rowBytes, int ncpu, long locks, long ticket, long target, long value);

    /** A direct {@link ByteBuffer} over native memory, in native byte order; {@code length <= Integer.MAX_VALUE}. */
    ByteBuffer view(long address, long length);
}
