/**
 * percpu: fixed-size off-heap slots from per-CPU freelists driven by Linux
 * restartable sequences.
 *
 * <p>Start with {@link dev.percpu.SlabConfig#builder()} and
 * {@link dev.percpu.SlabAllocator#create(SlabConfig)}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Addresses are {@code long}s; {@code 0} is never a valid slot and
 *       means "none" where a method returns an address.</li>
 *   <li>Bad arguments throw {@link java.lang.IllegalArgumentException} (or
 *       {@link java.lang.IndexOutOfBoundsException} for array ranges) before
 *       anything changes; use after {@code close()} throws
 *       {@link java.lang.IllegalStateException}; exhaustion is
 *       {@link dev.percpu.PoolExhaustedException} or a documented {@code 0}.</li>
 *   <li>Every public method may be called from any thread unless its
 *       Javadoc says otherwise; fast paths allocate nothing on the Java heap.</li>
 *   <li>The design, the rseq protocol and the close protocol are described in
 *       {@code docs/design.md}.</li>
 * </ul>
 *
 * <h2>Layer</h2>
 * The pools and their configuration: the public API. It calls the allocator
 * engine ({@code dev.percpu.engine}: per-CPU stacks, depot, rebalancer,
 * trimming, regions) and {@code dev.percpu.runtime} ({@code Mode},
 * {@code PercpuRuntime}); it never calls the bridge or reads native layouts.
 * Validation rules and defaults shared by every builder live in one
 * package-private class ({@code ConfigRules}). The export of
 * {@code stats()} to Agrona counters and a live counters file is package
 * {@code dev.percpu.stats}, which uses this package's public API only.
 */
package dev.percpu;
