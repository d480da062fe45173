package dev.percpu.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;

/** A batch of slots moved between the calling thread's CPU stack (or a victim's) and the depot. */
abstract class BatchEvent extends PoolEvent {
    @Label("CPU")
    @Description("The CPU the calling thread ran on in the slow path")
    int cpu;

    @Label("Slots")
    int slots;

    @Label("Bytes")
    @Description("Slots times slot size")
    @DataAmount(DataAmount.BYTES)
    long bytes;

    /** Sets every field but the subclass's own, and commits. */
    final void commit(String pool, int slotSize, int cpu, int slots) {
        of(pool, slotSize);
        this.cpu = cpu;
        this.slots = slots;
        this.bytes = (long) slots * slotSize;
        commit();
    }
}
