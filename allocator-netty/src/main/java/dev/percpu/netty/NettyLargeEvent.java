package dev.percpu.netty;

import dev.percpu.events.PercpuEvent;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** PercpuByteBufAllocator mapped a buffer of its own (above the largest class, or every class exhausted). */
@Name("dev.percpu.NettyLarge")
@Label("Netty Large Buffer")
@Description("PercpuByteBufAllocator mapped a buffer of its own (above the largest class, or every class exhausted)")
final class NettyLargeEvent extends PercpuEvent {
    @Label("Requested")
    @DataAmount(DataAmount.BYTES)
    int requestedBytes;

    @Label("Mapped")
    @Description("Whole pages mapped for the buffer")
    @DataAmount(DataAmount.BYTES)
    long mappedBytes;

    @Label("Large Bytes Held")
    @Description("Bytes the large path holds with this buffer")
    @DataAmount(DataAmount.BYTES)
    long largeBytesHeld;

    static void emit(int requestedBytes, long mappedBytes, long largeBytesHeld) {
        NettyLargeEvent event = new NettyLargeEvent();
        if (event.shouldCommit()) {
            event.requestedBytes = requestedBytes;
            event.mappedBytes = mappedBytes;
            event.largeBytesHeld = largeBytesHeld;
            event.commit();
        }
    }
}
