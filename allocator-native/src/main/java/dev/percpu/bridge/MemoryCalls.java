package dev.percpu.bridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native memory for the pools and the primitives, over JNI only: regions
 * reserved with {@code mmap}, pages given back, residency, the debug mode's
 * poison words, and {@link ByteBuffer} views.
 */
public final class MemoryCalls {
    static {
        NativeLibrary.tryLoad();
    }

    private MemoryCalls() {
    }

    /**
     * Reserves {@code bytes} of address space (anonymous, private, no swap
     * reservation); pages are committed on first touch.
     *
     * @throws IllegalArgumentException when {@code bytes <= 0}
     * @throws OutOfMemoryError when the mapping fails
     */
    public static long mapRegion(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("region size must be > 0, was " + bytes);
        }
        return nMapRegion(bytes);
    }

    /**
     * Reserves {@code bytes} of address space that no page may be touched in yet ({@code PROT_NONE}):
     * {@link #commitPages} makes parts of it usable. A reservation costs no memory and, unlike a
     * writable {@code MAP_NORESERVE} mapping, no commit charge where {@code vm.overcommit_memory=2}.
     *
     * @return the address, or {@code -errno} when the kernel refuses
     * @throws IllegalArgumentException when {@code bytes <= 0}
     */
    public static long reserveRegion(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("region size must be > 0, was " + bytes);
        }
        return nReserveRegion(bytes);
    }

    /**
     * Makes {@code [address, address + bytes)} of a reservation readable and writable
     * ({@code mprotect}); pages are still committed by the kernel on first touch.
     *
     * @return 0, or the {@code errno} of the refusal ({@code ENOMEM}: the commit limit or the
     *     mapping count was reached)
     */
    public static int commitPages(long address, long bytes) {
        return nCommitPages(address, bytes);
    }

    /** Unmaps a region made by {@link #mapRegion(long)}. */
    public static void unmapRegion(long address, long bytes) {
        nUnmapRegion(address, bytes);
    }

    /** {@code madvise(MADV_DONTNEED)}: the pages' memory goes back to the kernel; they read as zeros when touched again. */
    public static void releasePages(long address, long bytes) {
        nReleasePages(address, bytes);
    }

    /** Bytes of {@code [address, address + bytes)} resident in memory now ({@code mincore}). */
    public static long residentBytes(long address, long bytes) {
        return nResidentBytes(address, bytes);
    }

    /**
     * Stores {@code pattern} into every 8-byte word of {@code [address, address + bytes)}.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative or not a multiple of 8
     */
    public static void fillWords(long address, long bytes, long pattern) {
        checkWords(bytes);
        nFillWords(address, bytes, pattern);
    }

    /**
     * The offset in bytes of the first 8-byte word of {@code [address, address + bytes)}
     * that is not {@code pattern}, or {@code -1} when all are.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative or not a multiple of 8
     */
    public static long findWordNot(long address, long bytes, long pattern) {
        checkWords(bytes);
        return nFindWordNot(address, bytes, pattern);
    }

    /**
     * A direct {@link ByteBuffer} over native memory, in native byte order.
     *
     * @throws IllegalArgumentException when {@code length} is outside {@code [0, 2^31)}
     */
    public static ByteBuffer view(long address, long length) {
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("view length must be in [0, 2^31), was " + length);
        }
        return nView(address, length).order(ByteOrder.nativeOrder());
    }

    private static void checkWords(long bytes) {
        if (bytes < 0 || bytes % 8 != 0) {
            throw new IllegalArgumentException("length must be a non-negative multiple of 8, was " + bytes);
        }
    }

    private static native long nMapRegion(long bytes);

    private static native void nUnmapRegion(long address, long bytes);

    private static native long nReserveRegion(long bytes);

    private static native int nCommitPages(long address, long bytes);

    private static native void nReleasePages(long address, long bytes);

    private static native long nResidentBytes(long address, long bytes);

    private static native void nFillWords(long address, long bytes, long pattern);

    private static native long nFindWordNot(long address, long bytes, long pattern);

    private static native ByteBuffer nView(long address, long length);
}
