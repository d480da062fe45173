package dev.percpu.engine;

import dev.percpu.events.SlowPathEvents;

/**
 * Hands back to the kernel, and to the memory budget, the chunks of a slab
 * region whose slots are all free in its pool's depot ({@link Depot#handBack}).
 * The slots stay free and usable: the depot commits the chunk again, with
 * fresh zeroed pages, when it needs it. Slots cached on CPU stacks are not
 * trimmed (drain first to include them), and neither is a chunk that holds
 * one slot in use. Pools in debug mode have no trimmer: free slots must keep
 * their poison. Each trim that hands anything back emits a flight recorder
 * event ({@link SlowPathEvents#trim}).
 */
public final class Trimmer {
    private final IndexPool pool;
    private final int slotSize;

    /** A trimmer of {@code pool}, whose slots are {@code slotSize} bytes. */
    public Trimmer(IndexPool pool, int slotSize) {
        this.pool = pool;
        this.slotSize = slotSize;
    }

    /**
     * Hands back every chunk holding only depot slots.
     *
     * @return resident bytes released
     * @throws IllegalStateException after the pool is closed
     */
    public long trim() {
        pool.lockForMaintenance();
        try {
            pool.ensureOpen();
            return handBack(0, false);
        } finally {
            pool.unlock();
        }
    }

    /** Hands back chunks while the depot keeps at least {@code keepBytes} of freed slots. Lock held. */
    long trimAbove(long keepBytes) {
        return handBack((int) Math.min(Integer.MAX_VALUE, keepBytes / slotSize), true);
    }

    /** Hands back chunks while the depot keeps at least {@code keepSlots} freed slots. Lock held. */
    long handBack(int keepSlots, boolean inBackground) {
        Depot depot = pool.depot();
        int before = depot.freeCount();
        long released = depot.handBack(keepSlots);
        int handedBack = before - depot.freeCount();
        if (handedBack > 0) {
            depot.count(DepotCounter.TRIMMED_BYTES, released);
            SlowPathEvents.trim(pool.owner(), slotSize, handedBack, released, inBackground);
        }
        return released;
    }
}
