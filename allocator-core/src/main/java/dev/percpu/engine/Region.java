package dev.percpu.engine;

import dev.percpu.bridge.Availability;
import dev.percpu.bridge.MemoryCalls;
import java.nio.ByteBuffer;

/**
 * A range of native memory a pool keeps its slots in: either a mapping this
 * object owns ({@link #map(long)}: reserved with {@code MAP_NORESERVE},
 * committed by the kernel on first touch, unmapped by {@link #unmap()}), or
 * a slice of another region ({@link #slice}), which its owner unmaps.
 *
 * <p>Threading: immutable; the memory itself is the owner's business.
 * Methods take absolute addresses and check that they lie inside the region,
 * so a wrong argument is an exception, not a write elsewhere.
 */
public final class Region {
    private final long address;
    private final long bytes;
    private final boolean owned;

    private Region(long address, long bytes, boolean owned) {
        this.address = address;
        this.bytes = bytes;
        this.owned = owned;
    }

    /**
     * Reserves {@code bytes} of address space.
     *
     * @throws IllegalArgumentException when {@code bytes <= 0}
     * @throws OutOfMemoryError when the mapping fails
     * @throws UnsupportedOperationException where percpu is not available
     */
    public static Region map(long bytes) {
        Availability.require();
        return new Region(MemoryCalls.mapRegion(bytes), bytes, true);
    }

    /**
     * Reserves {@code bytes} of address space that is not writable until parts of it are
     * committed ({@link SlotMemory} does, chunk by chunk, with {@code mprotect}).
     *
     * @throws IllegalArgumentException when {@code bytes <= 0}
     * @throws OutOfMemoryError when the kernel refuses the reservation
     */
    public static Region reserve(long bytes) {
        Availability.require();
        long address = MemoryCalls.reserveRegion(bytes);
        if (address < 0) {
            throw new OutOfMemoryError("reserving " + bytes + " bytes of address space failed: errno " + -address);
        }
        return new Region(address, bytes, true);
    }

    /**
     * {@code [address() + offset, address() + offset + length)} as a region
     * that does not own its memory.
     *
     * @throws IndexOutOfBoundsException when the slice is not inside this region
     */
    public Region slice(long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes);
        return new Region(address + offset, length, false);
    }

    /** The first byte. */
    public long address() {
        return address;
    }

    /** The size in bytes. */
    public long bytes() {
        return bytes;
    }

    /**
     * A direct {@link ByteBuffer} over {@code [at, at + length)}, native byte order.
     *
     * @throws IndexOutOfBoundsException when the range is not inside this region
     */
    public ByteBuffer view(long at, int length) {
        check(at, length);
        return MemoryCalls.view(at, length);
    }

    /** Stores {@code pattern} into every 8-byte word of {@code [at, at + length)} (debug mode's poison). */
    public void fillWords(long at, long length, long pattern) {
        check(at, length);
        MemoryCalls.fillWords(at, length, pattern);
    }

    /** The offset of the first 8-byte word of {@code [at, at + length)} that is not {@code pattern}, or -1. */
    public long findWordNot(long at, long length, long pattern) {
        check(at, length);
        return MemoryCalls.findWordNot(at, length, pattern);
    }

    /**
     * Gives the pages of {@code [from, to)} back to the kernel
     * ({@code madvise(MADV_DONTNEED)}; they read as zeros when touched again).
     *
     * @return the resident bytes released, measured with {@code mincore}
     */
    public long release(long from, long to) {
        check(from, to - from);
        long before = MemoryCalls.residentBytes(from, to - from);
        MemoryCalls.releasePages(from, to - from);
        return before - MemoryCalls.residentBytes(from, to - from);
    }

    /** Bytes of the region resident in memory now ({@code mincore}). */
    public long residentBytes() {
        return MemoryCalls.residentBytes(address, bytes);
    }

    /** Unmaps an owned region; a slice is left to its owner. Call once, after the last use. */
    public void unmap() {
        if (owned) {
            MemoryCalls.unmapRegion(address, bytes);
        }
    }

    private void check(long at, long length) {
        if (length < 0 || at < address || at - address > bytes - length) {
            throw new IndexOutOfBoundsException(String.format(
                "[0x%x, +%d) is not inside the region [0x%x, +%d)", at, length, address, bytes));
        }
    }
}
