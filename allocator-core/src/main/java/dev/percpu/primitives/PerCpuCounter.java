package dev.percpu.primitives;

import dev.percpu.runtime.Mode;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter striped by CPU: {@link #add} is one rseq section on the current
 * CPU's 128-byte line (no atomic instruction, no cache line shared between
 * CPUs); {@link #sum} adds the rows up. Like {@link java.util.concurrent.atomic.LongAdder},
 * the sum is not a snapshot while adds run.
 *
 * <p>An add the per-CPU row cannot take (a thread without rseq in rseq mode,
 * the restart bound, a busy fallback lock) goes to a shared
 * {@link AtomicLong} instead, so no add is ever lost. Thread-safe,
 * allocation-free.
 */
public final class PerCpuCounter {
    private final PerCpuLongArray rows;
    private final AtomicLong overflow = new AtomicLong();

    private PerCpuCounter(Mode mode) {
        this.rows = PerCpuLongArray.create(1, mode);
    }

    /**
     * A counter at 0 in the given mode (AUTO: rseq where available).
     *
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     */
    public static PerCpuCounter create(Mode mode) {
        return new PerCpuCounter(java.util.Objects.requireNonNull(mode, "mode"));
    }

    /** RSEQ or FALLBACK. */
    public Mode mode() {
        return rows.mode();
    }

    /** Adds {@code delta}. */
    public void add(long delta) {
        if (rows.add(0, delta) < 0) {
            overflow.addAndGet(delta);
        }
    }

    /** Adds one. */
    public void increment() {
        add(1);
    }

    /** The sum over all CPUs and the overflow. */
    public long sum() {
        return rows.sum(0) + overflow.get();
    }

    /** The part of the sum held by one CPU's row. */
    public long onCpu(int cpu) {
        return rows.get(cpu, 0);
    }
}
