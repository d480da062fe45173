/**
 * percpu's own JMH benchmarks: the allocators ({@code SlabAllocator},
 * {@code SizeClassAllocator}, {@code BufferPool}, {@code ObjectPool}), their
 * modes, batches, debug mode and handover between threads, and the per-CPU
 * primitives. Each measures percpu alone; the same measurements for other
 * allocators are in {@code dev.percpu.benchmarks.baselines}, and a family
 * measured for every allocator (the allocation matrix, the pairs) is written
 * once in {@code dev.percpu.benchmarks.support}.
 *
 * <p>May touch: percpu's public API, {@code support} and the allocators by
 * name of {@code dev.percpu.examples.shared}; never the bridge
 * ({@code dev.percpu.bridge}: only {@code dev.percpu.benchmarks.bridge}
 * measures it). Results are described in {@code docs/benchmarks.md}.
 */
package dev.percpu.benchmarks.percpu;
