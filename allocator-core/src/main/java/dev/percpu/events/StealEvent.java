package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The depot was empty and a batch was taken from a CPU stack (remote take). Emitted through {@link SlowPathEvents}. */
@Name("dev.percpu.Steal")
@Label("Steal")
@Category("percpu")
@Description("The depot was empty and a batch was taken from a CPU stack (remote take).")
@Enabled(false)
@StackTrace(false)
final class StealEvent extends jdk.jfr.Event {
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

    @Label("Victim CPU")
    @Description("The CPU whose stack gave the batch (may be the caller's own)")
    int victimCpu;

    @Label("Slots")
    int slots;

    @Label("Bytes")
    @Description("Slots times slot size")
    @DataAmount(DataAmount.BYTES)
    long bytes;

    static void emit(String pool, int slotSize, int cpu, int victimCpu, int slots) {
        StealEvent event = new StealEvent();
        if (event.shouldCommit()) {
            event.pool = pool;
            event.slotSize = slotSize;
            event.cpu = cpu;
            event.victimCpu = victimCpu;
            event.slots = slots;
            event.bytes = (long) slots * slotSize;
            event.commit();
        }
    }
}
