package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** drain() moved every CPU stack's cached slots to the depot. Emitted through {@link SlowPathEvents}. */
@Name("dev.percpu.Drain")
@Label("Drain")
@Category("percpu")
@Description("drain() moved every CPU stack's cached slots to the depot.")
@Enabled(false)
@StackTrace(false)
final class DrainEvent extends jdk.jfr.Event {
    @Label("Pool")
    @Description("The pool type: SlabAllocator or ObjectPool")
    String pool;

    @Label("Slot Size")
    @Description("Bytes per slot; 0 for an ObjectPool")
    @DataAmount(DataAmount.BYTES)
    int slotSize;

    @Label("CPUs")
    @Description("CPU stacks visited")
    int cpus;

    @Label("Slots")
    long slots;

    @Label("Bytes")
    @Description("Slots times slot size")
    @DataAmount(DataAmount.BYTES)
    long bytes;

    static void emit(String pool, int slotSize, int cpus, long slots) {
        DrainEvent event = new DrainEvent();
        if (event.shouldCommit()) {
            event.pool = pool;
            event.slotSize = slotSize;
            event.cpus = cpus;
            event.slots = slots;
            event.bytes = slots * slotSize;
            event.commit();
        }
    }
}
