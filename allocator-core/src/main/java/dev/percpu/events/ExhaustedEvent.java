package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An allocation found no free slot in the depot nor on any CPU stack. Emitted through {@link SlowPathEvents}. */
@Name("dev.percpu.Exhausted")
@Label("Exhausted")
@Category("percpu")
@Description("An allocation found no free slot in the depot nor on any CPU stack.")
@Enabled(false)
@StackTrace(true)
final class ExhaustedEvent extends jdk.jfr.Event {
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

    @Label("Requested")
    @Description("Slots asked for (more than 1 for a batch allocation)")
    int requested;

    @Label("Served")
    @Description("Slots the allocation got")
    int served;

    static void emit(String pool, int slotSize, int cpu, int requested, int served) {
        ExhaustedEvent event = new ExhaustedEvent();
        if (event.shouldCommit()) {
            event.pool = pool;
            event.slotSize = slotSize;
            event.cpu = cpu;
            event.requested = requested;
            event.served = served;
            event.commit();
        }
    }
}
