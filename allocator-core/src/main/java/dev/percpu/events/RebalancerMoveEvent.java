package dev.percpu.events;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The rebalancer moved slots between a CPU stack and the depot, or capacity between two CPUs. */
@Name("dev.percpu.RebalancerMove")
@Label("Rebalancer Move")
@Description("The rebalancer moved slots between a CPU stack and the depot, or capacity between two CPUs")
final class RebalancerMoveEvent extends PoolEvent {
    @Label("Kind")
    @Description("idleDrain, drain (above the high watermark), refill (below the low watermark) or capacity")
    String kind;

    @Label("From CPU")
    @Description("-1: the depot")
    int fromCpu;

    @Label("To CPU")
    @Description("-1: the depot")
    int toCpu;

    @Label("Amount")
    @Description("Slots moved, or capacity (slots) moved for kind capacity")
    int amount;

    static void emit(String pool, int slotSize, String kind, int fromCpu, int toCpu, int amount) {
        RebalancerMoveEvent event = new RebalancerMoveEvent();
        if (event.shouldCommit()) {
            event.of(pool, slotSize);
            event.kind = kind;
            event.fromCpu = fromCpu;
            event.toCpu = toCpu;
            event.amount = amount;
            event.commit();
        }
    }
}
