package dev.percpu.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A CPU stack ran empty on allocation and a batch came from the depot. */
@Name("dev.percpu.Refill")
@Label("Refill")
@Description("A CPU stack ran empty on allocation and a batch came from the depot")
final class RefillEvent extends BatchEvent {
    static void emit(String pool, int slotSize, int cpu, int slots) {
        RefillEvent event = new RefillEvent();
        if (event.shouldCommit()) {
            event.commit(pool, slotSize, cpu, slots);
        }
    }
}
