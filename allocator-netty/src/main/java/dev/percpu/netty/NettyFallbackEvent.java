package dev.percpu.netty;

import dev.percpu.events.PercpuEvent;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** PercpuByteBufAllocator found a size class exhausted and served the request from a larger class or the large path. */
@Name("dev.percpu.NettyFallback")
@Label("Netty Class Fallback")
@Description("PercpuByteBufAllocator found a size class exhausted and served the request from a larger class or the large path")
final class NettyFallbackEvent extends PercpuEvent {
    @Label("Requested")
    @DataAmount(DataAmount.BYTES)
    int requestedBytes;

    @Label("Exhausted Class")
    @Description("Block size of the exhausted class")
    @DataAmount(DataAmount.BYTES)
    int exhaustedClassBytes;

    @Label("Served Class")
    @Description("Block size of the class that served the request; 0: the large path")
    @DataAmount(DataAmount.BYTES)
    int servedClassBytes;

    static void emit(int requestedBytes, int exhaustedClassBytes, int servedClassBytes) {
        NettyFallbackEvent event = new NettyFallbackEvent();
        if (event.shouldCommit()) {
            event.requestedBytes = requestedBytes;
            event.exhaustedClassBytes = exhaustedClassBytes;
            event.servedClassBytes = servedClassBytes;
            event.commit();
        }
    }
}
