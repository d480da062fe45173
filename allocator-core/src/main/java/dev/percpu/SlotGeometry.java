package dev.percpu;

/**
 * Where the slots of one slab region are: slot {@code i} starts at
 * {@code region + i * slotSize}. Converts between indices and addresses and
 * checks addresses handed back by callers; shared by {@link SlabAllocator},
 * {@link BufferPool} and the {@link SlotDebugger}.
 *
 * <p>An address is a slot of the pool when it lies in the region, starts a
 * slot, and is below the carved mark (slots handed out at least once). With
 * a power-of-two slot size, one mask and one unsigned compare cover all
 * three rules; {@link #rejection(long)} says which one failed.
 */
final class SlotGeometry {
    private final long region;
    private final long regionBytes;
    private final int slotSize;
    /** log2 of the slot size, or -1 when it is not a power of two. */
    private final int shift;
    /** {@code slotSize - 1}: the offset bits below a slot start (used when the size is a power of two). */
    private final long mask;

    SlotGeometry(long region, long regionBytes, int slotSize) {
        this.region = region;
        this.regionBytes = regionBytes;
        this.slotSize = slotSize;
        this.shift = Integer.bitCount(slotSize) == 1 ? Integer.numberOfTrailingZeros(slotSize) : -1;
        this.mask = slotSize - 1L;
    }

    long region() {
        return region;
    }

    long regionBytes() {
        return regionBytes;
    }

    int slotSize() {
        return slotSize;
    }

    /** log2 of the slot size, or -1 when it is not a power of two (no native address batches then). */
    int shift() {
        return shift;
    }

    long address(int index) {
        return region + (shift >= 0 ? (long) index << shift : (long) index * slotSize);
    }

    /**
     * The index of a slot address handed out by the pool ({@code carved}: slots handed out at least once).
     *
     * @throws IllegalArgumentException naming the rule the address breaks
     */
    int indexOf(long address, int carved) {
        long offset = address - region;
        if (shift >= 0) {
            if ((offset & mask) == 0 && Long.compareUnsigned(offset, (long) carved << shift) < 0) {
                return (int) (offset >>> shift);
            }
            throw rejection(address);
        }
        long index = offset / slotSize;
        if (Long.compareUnsigned(offset, regionBytes) >= 0 || index * slotSize != offset || index >= carved) {
            throw rejection(address);
        }
        return (int) index;
    }

    /** The index of an address that {@link #indexOf} already accepted: arithmetic only. */
    int indexOfChecked(long address) {
        long offset = address - region;
        return (int) (shift >= 0 ? offset >>> shift : offset / slotSize);
    }

    /**
     * {@link #indexOf}'s checks over {@code src[0 .. n)}. With a power-of-two
     * slot size the loop has no branch: it ORs together every offset's low
     * bits and, in the sign bit, whether the offset lies outside
     * {@code [0, carved bytes)}; only a non-zero result walks the array again
     * to name the first bad address.
     *
     * @throws IllegalArgumentException naming the first bad address
     */
    void checkAll(long[] src, int n, int carved) {
        if (shift >= 0) {
            long limit = ((long) carved << shift) - 1;
            long bad = 0;
            for (int i = 0; i < n; i++) {
                long offset = src[i] - region;
                bad |= (offset & mask) | ((offset | (limit - offset)) & Long.MIN_VALUE);
            }
            if (bad == 0) {
                return;
            }
        }
        for (int i = 0; i < n; i++) {
            indexOf(src[i], carved);
        }
    }

    /** {@code dst[at + i] = address(indices[i])} for {@code i < n}, the shift chosen once per call. */
    void toAddresses(int[] indices, int n, long[] dst, int at) {
        if (shift >= 0) {
            for (int i = 0; i < n; i++) {
                dst[at + i] = region + ((long) indices[i] << shift);
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst[at + i] = region + (long) indices[i] * slotSize;
            }
        }
    }

    /** Why {@link #indexOf} rejects {@code address}. */
    private IllegalArgumentException rejection(long address) {
        long offset = address - region;
        if (Long.compareUnsigned(offset, regionBytes) >= 0) {
            return new IllegalArgumentException(String.format(
                "address 0x%x is not in this allocator's region [0x%x, 0x%x)", address, region, region + regionBytes));
        }
        long index = offset / slotSize;
        if (index * slotSize != offset) {
            return new IllegalArgumentException(String.format(
                "address 0x%x is %d bytes into slot %d: not a slot start (slot size %d)",
                address, offset - index * slotSize, index, slotSize));
        }
        return new IllegalArgumentException(String.format(
            "address 0x%x is slot %d, which was never allocated", address, index));
    }
}
