package dev.percpu.engine;

import dev.percpu.events.SlowPathEvents;
import java.util.BitSet;

/**
 * Returns to the kernel the pages of a slab region that hold only free
 * slots of its pool's depot. The slots stay free and usable: the kernel
 * commits fresh zeroed pages when they are written again. Slots cached on
 * CPU stacks are not trimmed (drain first to include them). Pools in debug
 * mode have no trimmer: free slots must keep their poison. Each trim that
 * considers any slot emits a flight recorder event ({@link SlowPathEvents#trim}).
 */
public final class Trimmer {
    /** x86-64 base pages; every region is page-aligned. */
    private static final long PAGE = 4096;

    private final IndexPool pool;
    private final Region region;
    private final int slotSize;

    /** A trimmer of {@code region}, whose slot {@code i} is at {@code region.address() + i * slotSize}. */
    public Trimmer(IndexPool pool, Region region, int slotSize) {
        this.pool = pool;
        this.region = region;
        this.slotSize = slotSize;
    }

    /**
     * Trims every page holding only depot slots.
     *
     * @return resident bytes released
     * @throws IllegalStateException after the pool is closed
     */
    public long trim() {
        Depot depot = pool.depot();
        pool.lockForMaintenance();
        try {
            pool.ensureOpen();
            return trimOldest(depot.freeCount(), false);
        } finally {
            pool.unlock();
        }
    }

    /** Trims the pages of the oldest freed slots beyond the newest {@code keepBytes} worth. Lock held. */
    long trimAbove(long keepBytes) {
        long keep = keepBytes / slotSize;
        return trimOldest((int) Math.max(0, pool.depot().freeCount() - keep), true);
    }

    /**
     * Trims the pages holding only the {@code count} oldest freed slots of the
     * depot (and never-used slots). Lock held. Returns the resident bytes released.
     */
    private long trimOldest(int count, boolean byRebalancer) {
        Depot depot = pool.depot();
        if (count <= 0) {
            return 0;
        }
        int carved = depot.carved();
        BitSet free = new BitSet(carved);
        for (int i = 0; i < count; i++) {
            free.set(depot.freeAt(i));
        }
        long base = region.address();
        long end = base + (long) carved * slotSize;
        long released = 0;
        long runStart = -1;
        long page = (base + PAGE - 1) & -PAGE;
        for (; page + PAGE <= end; page += PAGE) {
            int firstSlot = (int) ((page - base) / slotSize);
            int lastSlot = (int) ((page + PAGE - 1 - base) / slotSize);
            boolean allFree = free.nextClearBit(firstSlot) > lastSlot;
            if (allFree && runStart < 0) {
                runStart = page;
            } else if (!allFree && runStart >= 0) {
                released += region.release(runStart, page);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            released += region.release(runStart, page);
        }
        depot.count(DepotCounter.TRIMMED_BYTES, released);
        SlowPathEvents.trim(pool.owner(), slotSize, count, released, byRebalancer);
        return released;
    }
}
