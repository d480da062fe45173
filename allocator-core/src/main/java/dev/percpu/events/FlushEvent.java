package dev.percpu.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A CPU stack ran full on free and a batch of it (with the freed slots) went to the depot. */
@Name("dev.percpu.Flush")
@Label("Flush")
@Description("A CPU stack ran full on free and a batch of it went to the depot")
final class FlushEvent extends BatchEvent {
    static void emit(String pool, int slotSize, int cpu, int slots) {
        FlushEvent event = new FlushEvent();
        if (event.shouldCommit()) {
            event.commit(pool, slotSize, cpu, slots);
        }
    }
}
