package dev.percpu.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The depot was empty and a batch was taken from a CPU stack with a remote take. */
@Name("dev.percpu.Steal")
@Label("Steal")
@Description("The depot was empty and a batch was taken from a CPU stack (remote take)")
final class StealEvent extends BatchEvent {
    @Label("Victim CPU")
    @Description("The CPU whose stack gave the batch (may be the caller's own)")
    int victimCpu;

    static void emit(String pool, int slotSize, int cpu, int victimCpu, int slots) {
        StealEvent event = new StealEvent();
        if (event.shouldCommit()) {
            event.victimCpu = victimCpu;
            event.commit(pool, slotSize, cpu, slots);
        }
    }
}
