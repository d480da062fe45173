package dev.percpu.bridge;

import java.util.Objects;

/**
 * Making, closing and remotely changing a block of per-CPU stacks, over JNI
 * only: these calls may block briefly (a membarrier fence, an affinity move,
 * a CPU's lock) and are never critical downcalls. The remote protocol they
 * follow (stop word, fence, operate, resume) is told once in
 * {@code percpu_remote.h}; the engine's {@code PerCpuStacks} is their only
 * caller outside tests.
 */
public final class BlockCalls {
    static {
        NativeLibrary.tryLoad();
    }

    private BlockCalls() {
    }

    /** {@code offsetof}/{@code sizeof} (or a code) as compiled into the C side, by {@link StackLayout} field id. */
    public static long layoutOffset(int field) {
        return nLayoutOffset(field);
    }

    /**
     * Maps a block of {@code ncpu} per-CPU stacks of {@code stride} entries.
     *
     * @throws IllegalArgumentException for sizes outside the native limits
     * @throws OutOfMemoryError when the mapping fails
     */
    public static long createBlock(int ncpu, int stride) {
        if (ncpu < 1 || stride < 1) {
            throw new IllegalArgumentException("ncpu and stride must be >= 1, were " + ncpu + " and " + stride);
        }
        return nCreateBlock(ncpu, stride);
    }

    /** Unmaps a block that was never closed; it must not be used again. */
    public static void destroyBlock(long block) {
        nDestroyBlock(block);
    }

    /**
     * Stops every CPU's stack for good and releases the slot arrays; the
     * header page stays mapped so that racing calls see
     * {@link NativeCodes#STOPPED}. The block must not be destroyed afterwards.
     */
    public static void closeBlock(long block, boolean fallback) {
        nCloseBlock(block, fallback);
    }

    /** {@link NativeCodes#FENCE_MEMBARRIER} or {@link NativeCodes#FENCE_AFFINITY}: how remote access waits out sections on a CPU. */
    public static int fenceKind() {
        return nFenceKind();
    }

    /** Fences run by this process so far (membarrier calls or affinity moves). */
    public static long remoteFences() {
        return nRemoteFences();
    }

    /**
     * Takes up to {@code n} indices off CPU {@code cpu}'s stack from any thread.
     *
     * @return the count taken
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    public static int remoteTake(long block, int cpu, int[] dst, int offset, int n, boolean fallback) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        checkCpu(cpu);
        return n == 0 ? 0 : nRemoteTake(block, cpu, dst, offset, n, fallback);
    }

    /**
     * Pushes up to {@code n} indices from {@code src[offset ..]} onto CPU
     * {@code cpu}'s stack from any thread, room permitting.
     *
     * @return the count pushed ({@code src[offset .. offset + count)} went in)
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    public static int remotePut(long block, int cpu, int[] src, int offset, int n, boolean fallback) {
        Objects.checkFromIndexSize(offset, n, src.length);
        checkCpu(cpu);
        return n == 0 ? 0 : nRemotePut(block, cpu, src, offset, n, fallback);
    }

    /**
     * Sets CPU {@code cpu}'s capacity (1 to the block's stride) from any
     * thread. Indices above the new capacity are moved into {@code excess};
     * if more than {@code excess.length} would be, nothing changes and
     * IllegalStateException is thrown.
     *
     * @return the count moved into {@code excess}
     * @throws IllegalArgumentException for a capacity out of range
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    public static int remoteSetCapacity(long block, int cpu, int capacity, int[] excess, boolean fallback) {
        checkCpu(cpu);
        return nRemoteSetCapacity(block, cpu, capacity, Objects.requireNonNull(excess, "excess"), fallback);
    }

    private static void checkCpu(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must be >= 0, was " + cpu);
        }
    }

    private static native long nLayoutOffset(int field);

    private static native long nCreateBlock(int ncpu, int stride);

    private static native void nDestroyBlock(long block);

    private static native void nCloseBlock(long block, boolean fallback);

    private static native int nFenceKind();

    private static native long nRemoteFences();

    private static native int nRemoteTake(long block, int cpu, int[] dst, int offset, int n, boolean fallback);

    private static native int nRemotePut(long block, int cpu, int[] src, int offset, int n, boolean fallback);

    private static native int nRemoteSetCapacity(long block, int cpu, int capacity, int[] excess, boolean fallback);
}
