/**
 * percpu's Netty {@code ByteBufAllocator}: {@code PercpuByteBufAllocator}
 * and its buffers ({@code dev.percpu.netty}), over the size classes of
 * module {@code dev.percpu}, whose blocks by index it reads through an
 * internal package exported to this module only.
 *
 * <p>{@code jdk.jfr} is optional, as for {@code dev.percpu}: with it, the
 * large path and class fallbacks emit flight recorder events.
 */
module dev.percpu.netty {
    requires transitive dev.percpu;
    requires transitive io.netty.buffer;
    requires io.netty.common;
    requires static jdk.jfr;

    exports dev.percpu.netty;
}
