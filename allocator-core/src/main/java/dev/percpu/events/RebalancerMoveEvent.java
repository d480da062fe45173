package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The rebalancer moved slots between a CPU stack and the depot, or capacity between two CPUs. Emitted through {@link SlowPathEvents}. */
@Name("dev.percpu.RebalancerMove")
@Label("Rebalancer Move")
@Category("percpu")
@Description("The rebalancer moved slots between a CPU stack and the depot, or capacity between two CPUs.")
@Enabled(false)
@StackTrace(false)
final class RebalancerMoveEvent extends jdk.jfr.Event {
    @Label("Pool")
    @Description("The pool type: SlabAllocator or ObjectPool")
    String pool;

    @Label("Slot Size")
    @Description("Bytes per slot; 0 for an ObjectPool")
    @DataAmount(DataAmount.BYTES)
    int slotSize;

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
            event.pool = pool;
            event.slotSize = slotSize;
            event.kind = kind;
            event.fromCpu = fromCpu;
            event.toCpu = toCpu;
            event.amount = amount;
            event.commit();
        }
    }
}
