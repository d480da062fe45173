package dev.percpu.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An allocation found no free slot in the depot nor on any CPU stack; records where, by default. */
@Name("dev.percpu.Exhausted")
@Label("Exhausted")
@Description("An allocation found no free slot in the depot nor on any CPU stack")
@StackTrace(true)
final class ExhaustedEvent extends PoolEvent {
    @Label("CPU")
    @Description("The CPU the calling thread ran on in the slow path")
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
            event.of(pool, slotSize);
            event.cpu = cpu;
            event.requested = requested;
            event.served = served;
            event.commit();
        }
    }
}
