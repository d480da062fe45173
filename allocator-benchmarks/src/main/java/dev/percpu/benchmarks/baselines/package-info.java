/**
 * The baselines percpu is measured against, as JMH benchmarks: Netty's
 * Pooled and Adaptive allocators (on plain and on event-loop threads), its
 * {@code Recycler}, {@code ByteBuffer.allocateDirect}, {@code Unsafe}
 * ({@code malloc}/{@code free}), the bare SPSC ring under the handover
 * benchmarks, and the benchmarks that compare several allocators in one
 * class ({@code RingBench}, and {@code MemoryAfterThreads}, a main class).
 * Where a family is measured for percpu too, the class names match
 * ({@code MatrixPercpuBench} and {@code MatrixNettyPooledBench} share
 * {@code AllocationMatrixBench}).
 *
 * <p>May touch: the libraries measured, percpu's public API (in the classes
 * that compare), {@code dev.percpu.benchmarks.support} and the allocators by
 * name of {@code dev.percpu.examples.shared}; never the bridge.
 */
package dev.percpu.benchmarks.baselines;
