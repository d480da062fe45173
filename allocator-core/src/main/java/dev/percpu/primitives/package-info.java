/**
 * Per-CPU primitives for allocator research: the rseq operations percpu's
 * allocator is built from, exposed on caller-defined per-CPU data, and the
 * event-count commit proposed in the 2016 rseq review ({@code docs/rseq.md}).
 *
 * <ul>
 *   <li>{@link dev.percpu.primitives.PerCpuLongArray}: {@code n} longs per
 *       possible CPU, each CPU's row on its own 128-byte lines, with add,
 *       compare-and-set, compare-then-store-then-commit and
 *       compare-then-copy-then-commit on the current CPU's row.</li>
 *   <li>{@link dev.percpu.primitives.PerCpuCounter}: a counter summed across
 *       CPUs on read.</li>
 *   <li>{@link dev.percpu.primitives.EventCount}: {@code begin()} on the
 *       current CPU, any work (preemption allowed), then {@code commit} that
 *       succeeds only on the same CPU with no {@code begin()} there since.</li>
 *   <li>{@link dev.percpu.primitives.Cpu}: the current CPU and mm_cid.</li>
 * </ul>
 *
 * <p>Result codes are fixed and listed in {@link dev.percpu.primitives.PerCpuResult}.
 * Each object runs in rseq mode or in fallback mode (per-row locks), chosen
 * like a pool's {@link dev.percpu.runtime.Mode}. Native memory is released when the
 * object becomes unreachable (a {@link java.lang.ref.Cleaner}); there is no
 * {@code close()}, so no call can race with a release.
 *
 * <h2>Layer</h2>
 * A second layer on the bridge, beside the allocator engine: it calls the
 * bridge's primitive, memory and registration calls ({@code PrimitiveCalls},
 * {@code MemoryCalls}, {@code RseqCalls}) and {@code dev.percpu.runtime};
 * nothing of the pools or the engine.
 */
package dev.percpu.primitives;
