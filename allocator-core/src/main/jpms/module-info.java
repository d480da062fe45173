/**
 * percpu's pools: {@code SlabAllocator}, {@code SizeClassAllocator},
 * {@code BufferPool}, {@code ObjectPool} and their configuration
 * ({@code dev.percpu}), the statistics export to Agrona counters and a live
 * counters file ({@code dev.percpu.stats}), and the per-CPU primitives for
 * research users ({@code dev.percpu.primitives}). The allocator engine
 * ({@code dev.percpu.engine}) is internal and not exported; the blocks by
 * index ({@code dev.percpu.blocks}) and the flight recorder events' base
 * ({@code dev.percpu.events}) are exported only to the Netty adapter,
 * module {@code dev.percpu.netty}.
 *
 * <p>Agrona is required for the rebalancer's agent runner and the counters
 * export; its {@code UnsafeBuffer} views ({@code PooledBuffer.unsafeBuffer()})
 * need {@code --add-opens java.base/jdk.internal.misc=org.agrona} on the
 * module path. Native access: see module {@code dev.percpu.runtime}.
 *
 * <p>{@code jdk.jfr} is optional: with it (add {@code --add-modules jdk.jfr}
 * on the module path when nothing else requires it) the slow paths emit
 * flight recorder events; without it they emit nothing and load no
 * {@code jdk.jfr} class.
 */
module dev.percpu {
    requires transitive dev.percpu.runtime;
    requires transitive org.agrona;
    requires static jdk.jfr;

    exports dev.percpu;
    exports dev.percpu.stats;
    exports dev.percpu.primitives;
    exports dev.percpu.blocks to dev.percpu.netty;
    exports dev.percpu.events to dev.percpu.netty;
}
