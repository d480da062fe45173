package dev.percpu.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** Pages holding only free depot slots were returned to the kernel. Emitted through {@link SlowPathEvents}. */
@Name("dev.percpu.Trim")
@Label("Trim")
@Category("percpu")
@Description("Pages holding only free depot slots were returned to the kernel.")
@Enabled(false)
@StackTrace(false)
final class TrimEvent extends jdk.jfr.Event {
    @Label("Pool")
    @Description("The pool type: SlabAllocator or ObjectPool")
    String pool;

    @Label("Slot Size")
    @Description("Bytes per slot; 0 for an ObjectPool")
    @DataAmount(DataAmount.BYTES)
    int slotSize;

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

    static void emit(String pool, int slotSize, int freeSlots, long bytes, boolean byRebalancer) {
        TrimEvent event = new TrimEvent();
        if (event.shouldCommit()) {
            event.pool = pool;
            event.slotSize = slotSize;
            event.freeSlots = freeSlots;
            event.releasedBytes = bytes;
            event.byRebalancer = byRebalancer;
            event.commit();
        }
    }
}
