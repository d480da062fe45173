package dev.percpu.engine;

import dev.percpu.bridge.MemoryCalls;

/**
 * The memory behind one pool's slots, committed and handed back in chunks:
 * runs of {@link #chunkSlots()} slots that start and end on page
 * boundaries. The pool's {@link Depot} decides which chunk to commit or
 * hand back; this class does it: it charges or refunds the shared
 * {@link MemoryBudget}, makes a reserved region writable as chunks are first
 * committed, and gives a chunk's pages back to the kernel.
 *
 * <p>Chunk geometry: {@code chunkSlots} is the smallest power of two such
 * that {@code chunkSlots x slotSize} is a multiple of the page size and at
 * least {@value #MIN_CHUNK_BYTES} bytes (or a sixteenth of a region smaller
 * than 1 MiB, at least a page), so chunk {@code c} is
 * {@code [c x chunkBytes, (c + 1) x chunkBytes)} of the region, page-aligned
 * at both ends (the last chunk ends with the region).
 *
 * <p>Mappings: a reserved region ({@link Region#reserve}, {@code PROT_NONE})
 * becomes writable as one growing prefix (chunks are first committed in
 * address order), so it is at most two mappings however it is used; handing
 * back uses {@code madvise} and never splits a mapping.
 *
 * <p>Not thread-safe: called by the owning depot, under its pool's lock.
 */
public final class SlotMemory {
    /** The smallest chunk: 64 KiB. */
    public static final long MIN_CHUNK_BYTES = 64 << 10;
    private static final long PAGE = 4096;
    /** A region under {@code 16 x MIN_CHUNK_BYTES} has chunks of a sixteenth of it (at least a page). */
    private static final long SMALL_REGION_CHUNKS = 16;

    private final Region region;
    private final int slotSize;
    private final int chunkShift;
    private final long chunkBytes;
    private final MemoryBudget budget;
    /** Bytes from the region's start that are writable; the region's size for a region mapped writable. */
    private long writableBytes;

    /**
     * The memory of {@code region}, slots of {@code slotSize} bytes, charged to {@code budget};
     * {@code reserved}: the region was reserved with {@link Region#reserve} and is made writable here.
     */
    public SlotMemory(Region region, int slotSize, MemoryBudget budget, boolean reserved) {
        this.region = region;
        this.slotSize = slotSize;
        this.budget = budget;
        this.writableBytes = reserved ? 0 : region.bytes();
        long pageSlots = PAGE / gcd(slotSize, PAGE);
        long target = Math.min(MIN_CHUNK_BYTES, Math.max(PAGE, region.bytes() / SMALL_REGION_CHUNKS));
        long neededSlots = (target + slotSize - 1) / slotSize;
        long sizeSlots = neededSlots <= 1 ? 1 : Long.highestOneBit(neededSlots - 1) << 1;
        long chunkSlots = Math.max(pageSlots, sizeSlots);
        this.chunkShift = Long.numberOfTrailingZeros(chunkSlots);
        this.chunkBytes = chunkSlots * slotSize;
    }

    /** Bytes per slot. */
    public int slotSize() {
        return slotSize;
    }

    /** log2 of {@link #chunkSlots()}. */
    public int chunkShift() {
        return chunkShift;
    }

    /** Slots per chunk (a power of two). */
    public int chunkSlots() {
        return 1 << chunkShift;
    }

    /** Bytes per chunk (the last chunk of the region may be shorter). */
    public long chunkBytes() {
        return chunkBytes;
    }

    /** The shared budget. */
    public MemoryBudget budget() {
        return budget;
    }

    /**
     * Charges chunk {@code chunk} to the budget and makes it writable.
     *
     * @return {@link #COMMITTED}, {@link #BUDGET_SPENT}, or {@link #MAPPING_REFUSED} (the kernel
     *     refused to make the pages writable: its commit limit or mapping count was reached)
     */
    int commit(int chunk) {
        long from = (long) chunk * chunkBytes;
        long to = chunkEnd(chunk);
        if (!budget.tryCharge(to - from)) {
            return BUDGET_SPENT;
        }
        if (to > writableBytes) {
            int err = MemoryCalls.commitPages(region.address() + writableBytes, to - writableBytes);
            if (err != 0) {
                budget.release(to - from);
                return MAPPING_REFUSED;
            }
            writableBytes = to;
        }
        return COMMITTED;
    }

    /** Gives the pages of chunks {@code [first, end)} back to the kernel and their bytes back to the budget; returns the resident bytes released. */
    long release(int first, int end) {
        long from = (long) first * chunkBytes;
        long to = chunkEnd(end - 1);
        long released = region.release(region.address() + from, region.address() + to);
        budget.release(to - from);
        return released;
    }

    /** Bytes of chunk {@code chunk}. */
    long bytesOf(int chunk) {
        return chunkEnd(chunk) - (long) chunk * chunkBytes;
    }

    /** The end of chunk {@code chunk}: a page boundary, or the region's end for its last chunk. */
    private long chunkEnd(int chunk) {
        return Math.min(((long) chunk + 1) * chunkBytes, region.bytes());
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** {@link #commit}: the chunk is charged and writable. */
    static final int COMMITTED = 0;
    /** {@link #commit}: the budget has no room for the chunk. */
    static final int BUDGET_SPENT = 1;
    /** {@link #commit}: the kernel refused to make the chunk writable. */
    static final int MAPPING_REFUSED = 2;
}
