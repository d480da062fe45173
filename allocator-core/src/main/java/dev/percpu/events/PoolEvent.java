package dev.percpu.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;

/** An event of one pool: which pool, by type and slot size. */
abstract class PoolEvent extends PercpuEvent {
    @Label("Pool")
    @Description("The pool type: SlabAllocator or ObjectPool")
    String pool;

    @Label("Slot Size")
    @Description("Bytes per slot; 0 for an ObjectPool")
    @DataAmount(DataAmount.BYTES)
    int slotSize;

    /** Sets the pool's fields; returns this. */
    final PoolEvent of(String pool, int slotSize) {
        this.pool = pool;
        this.slotSize = slotSize;
        return this;
    }
}
