package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A CPU stack ran full on free and a batch of it went to the depot. Emitted through {@link SlowPathEvents}. */
@Name("dev.percpu.Flush")
@Label("Flush")
@Category("percpu")
@Description("A CPU stack ran full on free and a batch of it went to the depot.")
@Enabled(false)
@StackTrace(false)
final class FlushEvent extends jdk.jfr.Event {
    @Label("Pool")
    @Description("The pool type: SlabAllocator or ObjectPool")
    String pool;

    @Label("Slot Size")
    @Description("Bytes per slot; 0 for an ObjectPool")
    @DataAmount(DataAmount.BYTES)
    int slotSize;

    @Label("CPU")
    @Description("The CPU the calling thread ran on when the slow path began")
    int cpu;

    @Label("Slots")
    int slots;

    @Label("Bytes")
    @Description("Slots times slot size")
    @DataAmount(DataAmount.BYTES)
    long bytes;

    static void emit(String pool, int slotSize, int cpu, int slots) {
        FlushEvent event = new FlushEvent();
        if (event.shouldCommit()) {
            event.pool = pool;
            event.slotSize = slotSize;
            event.cpu = cpu;
            event.slots = slots;
            event.bytes = (long) slots * slotSize;
            event.commit();
        }
    }
}
