package dev.percpu.benchmarks.support;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jmh.infra.Control;

/**
 * A bounded single-producer single-consumer ring for the handover
 * benchmarks ({@code PercpuHandoverBench}, {@code NettyPooledHandoverBench},
 * {@code NettyAdaptiveHandoverBench}, {@code RingHandoverBench}, all with
 * {@link #HANDOVER_CAPACITY} entries): it allocates nothing after
 * construction. Holds either {@code long}s ({@link #offer(long)} /
 * {@link #poll()}, 0 means empty, so 0 cannot be queued) or references
 * ({@link #offerRef(Object)} / {@link #pollRef()}); one ring is used for one
 * kind only.
 *
 * <p>The two indices and each side's cached copy of the other side's index
 * live in one {@code long[]}, 128 bytes apart per side, so the producer's
 * and the consumer's words do not share a cache line. The producer writes
 * the element, then publishes the tail with a release store; the consumer
 * reads the tail with an acquire load, reads the element, then publishes
 * the head with a release store.
 *
 * <p>The benchmark threads use the waiting forms ({@link #offer(long, Control)},
 * {@link #poll(Control)}, {@link #offerRef(Object, Control)},
 * {@link #pollRef(Control)}): a thread that finds the ring full or empty
 * spins with {@link Thread#onSpinWait()} and gives up once JMH sets
 * {@link Control#stopMeasurement}, so an iteration can end while the other
 * side has stopped.
 */
public final class SpscRing {
    /** The handover benchmarks' ring size: buffers in flight between the two threads, at most. */
    public static final int HANDOVER_CAPACITY = 1024;
    private static final VarHandle INDEX = MethodHandles.arrayElementVarHandle(long[].class);
    /** Producer's line: the tail it publishes and its cached copy of the head. */
    private static final int TAIL = 16;
    private static final int HEAD_CACHE = 17;
    /** Consumer's line: the head it publishes and its cached copy of the tail. */
    private static final int HEAD = 32;
    private static final int TAIL_CACHE = 33;

    private final long[] index = new long[48];
    private final int mask;
    private final long[] longs;
    private final Object[] refs;

    /** A ring of {@code capacity} elements (a power of two) of the given kind. */
    public SpscRing(int capacity, boolean references) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity " + capacity + " must be a power of two");
        }
        this.mask = capacity - 1;
        this.longs = references ? null : new long[capacity];
        this.refs = references ? new Object[capacity] : null;
    }

    /** Producer: queues {@code value} (non-zero), or returns false when the ring is full. */
    public boolean offer(long value) {
        long tail = index[TAIL];
        if (!hasRoom(tail)) {
            return false;
        }
        longs[(int) tail & mask] = value;
        INDEX.setRelease(index, TAIL, tail + 1);
        return true;
    }

    /** Consumer: the oldest value, or 0 when the ring is empty. */
    public long poll() {
        long head = index[HEAD];
        if (!hasElement(head)) {
            return 0L;
        }
        long value = longs[(int) head & mask];
        INDEX.setRelease(index, HEAD, head + 1);
        return value;
    }

    /** Producer: queues {@code value} (non-null), or returns false when the ring is full. */
    public boolean offerRef(Object value) {
        long tail = index[TAIL];
        if (!hasRoom(tail)) {
            return false;
        }
        refs[(int) tail & mask] = value;
        INDEX.setRelease(index, TAIL, tail + 1);
        return true;
    }

    /** Consumer: the oldest reference (its slot is cleared), or null when the ring is empty. */
    public Object pollRef() {
        long head = index[HEAD];
        if (!hasElement(head)) {
            return null;
        }
        int at = (int) head & mask;
        Object value = refs[at];
        refs[at] = null;
        INDEX.setRelease(index, HEAD, head + 1);
        return value;
    }

    /** Producer: queues {@code value} (non-zero), spinning while the ring is full; false if the measurement stopped first. */
    public boolean offer(long value, Control control) {
        while (!offer(value)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Consumer: the oldest value, spinning while the ring is empty; 0 if the measurement stopped first. */
    public long poll(Control control) {
        long value;
        while ((value = poll()) == 0) {
            if (control.stopMeasurement) {
                return 0L;
            }
            Thread.onSpinWait();
        }
        return value;
    }

    /** Producer: queues {@code value} (non-null), spinning while the ring is full; false if the measurement stopped first. */
    public boolean offerRef(Object value, Control control) {
        while (!offerRef(value)) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /** Consumer: the oldest reference, spinning while the ring is empty; null if the measurement stopped first. */
    public Object pollRef(Control control) {
        Object value;
        while ((value = pollRef()) == null) {
            if (control.stopMeasurement) {
                return null;
            }
            Thread.onSpinWait();
        }
        return value;
    }

    private boolean hasRoom(long tail) {
        if (tail - index[HEAD_CACHE] <= mask) {
            return true;
        }
        long head = (long) INDEX.getAcquire(index, HEAD);
        index[HEAD_CACHE] = head;
        return tail - head <= mask;
    }

    private boolean hasElement(long head) {
        if (head < index[TAIL_CACHE]) {
            return true;
        }
        long tail = (long) INDEX.getAcquire(index, TAIL);
        index[TAIL_CACHE] = tail;
        return head < tail;
    }
}
