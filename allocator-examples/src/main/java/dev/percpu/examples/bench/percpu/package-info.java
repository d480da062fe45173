/**
 * percpu's own JMH benchmarks: the allocators ({@code SlabAllocator},
 * {@code SizeClassAllocator}, {@code BufferPool}, {@code ObjectPool}), their
 * modes, batches, debug mode and handover between threads, and the per-CPU
 * primitives. Each measures percpu alone; the same measurements for other
 * allocators are in {@code dev.percpu.examples.bench.baselines}, and a family
 * measured for every allocator (the allocation matrix, the pairs) is written
 * once in {@code dev.percpu.examples.bench.support}.
 *
 * <p>May touch: percpu's public API and {@code support}; never the bridge
 * ({@code dev.percpu.bridge}: the bridge floor lives next to the native code,
 * in allocator-native's {@code src/bench}). Results are described in
 * {@code docs/benchmarks.md}.
 */
package dev.percpu.examples.bench.percpu;
