package dev.percpu.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** {@code drain()} moved every CPU stack's cached slots to the depot. */
@Name("dev.percpu.Drain")
@Label("Drain")
@Description("drain() moved every CPU stack's cached slots to the depot")
final class DrainEvent extends PoolEvent {
    @Label("CPUs")
    @Description("CPU stacks visited")
    int cpus;

    @Label("Slots")
    long slots;

    @Label("Bytes")
    @Description("Slots times slot size")
    @DataAmount(DataAmount.BYTES)
    long drainedBytes;

    static void emit(String pool, int slotSize, int cpus, long slots) {
        DrainEvent event = new DrainEvent();
        if (event.shouldCommit()) {
            event.of(pool, slotSize);
            event.cpus = cpus;
            event.slots = slots;
            event.drainedBytes = slots * slotSize;
            event.commit();
        }
    }
}
