package dev.percpu.primitives;

import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.PrimitiveCalls;
import dev.percpu.runtime.Mode;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * The per-CPU event-count commit from the 2016 rseq review: "abort if
 * (cpu != expected_cpu || *aptr != aval)", with a counter that user space
 * bumps itself (see {@code docs/rseq.md}).
 *
 * <pre>
 *   long ticket = events.begin();          // one rseq section: ++counter[cpu]
 *   ... read, compute; may be preempted ... // no section is open here
 *   int r = events.commit(ticket, target, index, value);
 *                                           // one rseq section: store value into
 *                                           // target's row of the ticket's CPU iff the
 *                                           // thread is on that CPU and counter[cpu] == seq
 * </pre>
 *
 * <p>A commit succeeds after mere preemption, as long as no other
 * {@code begin()} ran on that CPU in between; it fails with
 * {@link PerCpuResult#COMPARE_FAILED} when one did, and with
 * {@link PerCpuResult#NOT_ON_CPU} when the thread left the ticket's CPU. So
 * "conflict" is defined by the program: every writer of the protected data
 * must {@code begin()} on the data's CPU first. The caller retries a failed
 * commit with a new ticket.
 *
 * <p>Fallback mode: begin and commit take the row's lock instead; the CPU
 * of a ticket is then the stripe begin locked, chosen as every fallback
 * operation chooses it (the CPU it runs on, or on arm64 without rseq a
 * per-thread stand-in), and a commit succeeds if and only if no
 * {@code begin()} touched that stripe's counter since; migration alone
 * does not fail it.
 *
 * <p>Counters wrap at 2^48: a commit could wrongly succeed only if exactly
 * 2^48 begins ran on its CPU between its begin and its commit. Thread-safe,
 * allocation-free.
 */
public final class EventCount {
    /** Bits of a ticket that hold the sequence; the CPU is above them. */
    public static final int SEQUENCE_BITS = 48;
    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;

    private final PrimitiveCalls bridge = Bridges.primitives();
    private final PerCpuLongArray counters;

    private EventCount(Mode mode) {
        this.counters = PerCpuLongArray.create(1, mode);
    }

    /**
     * Event counters for every possible CPU, in the given mode (AUTO: rseq where available).
     *
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     */
    public static EventCount create(Mode mode) {
        return new EventCount(Objects.requireNonNull(mode, "mode"));
    }

    /** RSEQ or FALLBACK. */
    public Mode mode() {
        return counters.mode();
    }

    /**
     * Bumps the current CPU's counter. Returns a ticket ({@code >= 0}: the
     * CPU in the high bits, the new counter value in the low 48), or a
     * negative {@link PerCpuResult} code.
     */
    public long begin() {
        long ticket = bridge.eventBegin(counters.base(), counters.rowBytes(), counters.cpus(), counters.locks());
        Reference.reachabilityFence(this);
        return ticket;
    }

    /**
     * Stores {@code value} into {@code target}'s row for the ticket's CPU at
     * {@code index}, if the thread still runs on that CPU (rseq mode) and no
     * {@code begin()} ran there since the ticket's. Returns {@link PerCpuResult#OK},
     * {@link PerCpuResult#COMPARE_FAILED}, {@link PerCpuResult#NOT_ON_CPU}, or
     * another negative code.
     *
     * @throws IllegalArgumentException when {@code ticket} is negative or names no CPU
     * @throws IndexOutOfBoundsException when {@code index} is outside {@code target}'s rows
     */
    public int commit(long ticket, PerCpuLongArray target, int index, long value) {
        int cpu = cpuOf(ticket);
        if (ticket < 0 || cpu >= counters.cpus()) {
            throw new IllegalArgumentException("not a ticket of begin(): " + ticket);
        }
        Objects.checkIndex(index, target.length());
        int r = bridge.eventCommit(counters.base(), counters.rowBytes(), counters.cpus(), counters.locks(), ticket,
            target.address(cpu, index), value);
        Reference.reachabilityFence(this);
        Reference.reachabilityFence(target);
        return r;
    }

    /** The CPU (or fallback stripe) a ticket was taken on. */
    public static int cpuOf(long ticket) {
        return (int) (ticket >>> SEQUENCE_BITS);
    }

    /** The counter value a ticket holds. */
    public static long sequenceOf(long ticket) {
        return ticket & SEQUENCE_MASK;
    }

    /** The current counter of one CPU (plain read). */
    public long counter(int cpu) {
        return counters.get(cpu, 0);
    }
}
