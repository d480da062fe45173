package dev.percpu.events;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Pages holding only free depot slots were returned to the kernel. */
@Name("dev.percpu.Trim")
@Label("Trim")
@Description("Pages holding only free depot slots were returned to the kernel")
final class TrimEvent extends PoolEvent {
    @Label("Free Slots")
    @Description("Depot slots whose pages were candidates")
    int freeSlots;

    @Label("Released")
    @Description("Resident bytes released (mincore before and after)")
    @DataAmount(DataAmount.BYTES)
    long releasedBytes;

    @Label("By Rebalancer")
    @Description("True when the rebalancer trimmed (trimAboveBytes), false for trim() by hand")
    boolean byRebalancer;

    static void emit(String pool, int slotSize, int freeSlots, long releasedBytes, boolean byRebalancer) {
        TrimEvent event = new TrimEvent();
        if (event.shouldCommit()) {
            event.of(pool, slotSize);
            event.freeSlots = freeSlots;
            event.releasedBytes = releasedBytes;
            event.byRebalancer = byRebalancer;
            event.commit();
        }
    }
}
