package dev.percpu.metrics;

/**
 * The read-only JMX view of one {@link dev.percpu.netty.PercpuByteBufAllocator}, registered by
 * {@link PercpuAllocatorJmx}: the figures of {@link PercpuAllocatorMetrics}, read when asked.
 * Per-class attributes are arrays indexed like {@link #getClassSizes()}. A figure the allocator
 * can no longer give (its size classes unmapped after {@code close()}) reads {@code -1}.
 */
public interface PercpuAllocatorMXBean {
    /** The name the allocator was registered under. */
    String getName();

    /** RSEQ or FALLBACK (UNAVAILABLE where the allocator cannot serve). */
    String getMode();

    /** Whether the allocator was closed. */
    boolean isClosed();

    /** The cap on off-heap memory, bytes. */
    long getMaxMemoryBytes();

    /** Off-heap bytes committed now by the size classes and the large path. */
    long getCommittedBytes();

    /** Bytes handed out and not released: size-class blocks (class sizes) and large-path buffers (whole pages). */
    long getInUseBytes();

    /** Bytes of the size classes' memory committed now. */
    long getPooledCommittedBytes();

    /** Bytes held by large-path buffers now. */
    long getLargeBytes();

    /** Large-path buffers alive now. */
    long getLargeBuffers();

    /** The most the per-CPU caches can hold over all classes and CPUs, bytes. */
    long getPerCpuCacheBoundBytes();

    /** The most one event-loop thread's front cache holds, bytes. */
    long getEventLoopCacheBoundBytes();

    /** Event-loop threads with a front cache now. */
    long getEventLoopCaches();

    /** Buffer objects made so far for the size classes' blocks. */
    long getBufferObjects();

    /** Allocations whose class was exhausted (served by a larger class or the large path, or failed). */
    long getFallbacks();

    /** Bytes of Netty heap buffers not yet released (Netty's {@code usedHeapMemory}). */
    long getUsedHeapMemory();

    /** Netty's {@code usedDirectMemory}: the committed bytes. */
    long getUsedDirectMemory();

    /** The size classes' block sizes in bytes; the per-class arrays are indexed like this one. */
    int[] getClassSizes();

    /** Per class: bytes of blocks handed out and not released. */
    long[] getClassInUseBytes();

    /** Per class: bytes of free blocks cached on the CPUs' stacks. */
    long[] getClassCachedOnCpusBytes();

    /** Per class: bytes of committed free blocks in the depot. */
    long[] getClassDepotBytes();

    /** Per class: the most the CPUs' stacks may hold, bytes. */
    long[] getClassCpuCacheCapacityBytes();

    /** Per class: bytes committed now. */
    long[] getClassCommittedBytes();

    /** Per class: resident bytes returned to the kernel by trimming and hand-back. */
    long[] getClassHandedBackBytes();

    /** Per class: refills of an empty CPU stack from the depot. */
    long[] getClassRefills();

    /** Per class: flushes of a full CPU stack into the depot. */
    long[] getClassFlushes();

    /** Per class: batches stolen from CPU stacks when the depot was empty. */
    long[] getClassSteals();

    /** Per class: operations served by the depot because the CPU stack was unusable. */
    long[] getClassSlowPathEntries();
}
