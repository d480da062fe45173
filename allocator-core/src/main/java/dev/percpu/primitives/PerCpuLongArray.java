package dev.percpu.primitives;

import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.MemoryCalls;
import dev.percpu.bridge.PrimitiveCalls;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.bridge.StackLayout;
import dev.percpu.runtime.Mode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@link #length()} longs per possible CPU in native memory, with rseq
 * operations on the current CPU's row.
 *
 * <pre>
 *   base                    base + rowBytes            base + ncpu * rowBytes
 *   +-----------------------+-----------------------+ ... +-------------------------+
 *   | cpu 0: long[length]   | cpu 1: long[length]   |     | fallback locks, 128 B   |
 *   | (padded to 128 B)     | (padded to 128 B)     |     | per CPU                 |
 *   +-----------------------+-----------------------+ ... +-------------------------+
 * </pre>
 *
 * <p>Writes: only through the operations below, each one rseq section on the
 * calling thread's current CPU (or the row's lock in fallback mode), so the
 * CPU serialises all writers of a row. Reads ({@link #get}, {@link #sum}) are
 * 8-byte load-acquires from any thread: each value is whole, and what a
 * publishing commit ordered before its word (compare-and-set's second word,
 * the copied bytes, an event-count commit) is visible to a reader that sees
 * that word (this pairs with the release of those commits on arm64; on
 * x86-64 every load is an acquire). A sum is not a snapshot.
 *
 * <p>Results: {@link PerCpuResult#OK} or {@link PerCpuResult#COMPARE_FAILED},
 * or a negative {@link PerCpuResult} code when nothing was written ({@code add}
 * returns the CPU it used instead of OK). Indices outside
 * {@code [0, length())} throw {@link IndexOutOfBoundsException} before any
 * native call. Thread-safe; allocation-free; the native memory is released
 * by a {@link Cleaner} once the array is unreachable.
 */
public final class PerCpuLongArray {
    /** Longest copy of {@link #compareAndSetWithCopy}: 4 KiB. */
    public static final int MAX_COPY = 4096;
    private static final Cleaner CLEANER = Cleaner.create();
    /** Aligned 8-byte access to the rows' native-order view, for {@link #get}'s acquire. */
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
        ByteOrder.nativeOrder());

    private final PrimitiveCalls bridge;
    private final Mode mode;
    private final int length;
    private final int ncpu;
    private final long rowBytes;
    private final long base;
    private final long locks;
    private final ByteBuffer view;

    private PerCpuLongArray(int length, Mode mode) {
        if (length < 1 || length > (1 << 20)) {
            throw new IllegalArgumentException("length " + length + " must be in [1, 2^20] longs per CPU");
        }
        this.bridge = Bridges.primitives();
        this.mode = mode.resolved();
        this.length = length;
        this.ncpu = RseqCalls.possibleCpus();
        this.rowBytes = ((length * 8L) + StackLayout.LINE - 1) / StackLayout.LINE * StackLayout.LINE;
        long bytes = rowBytes * ncpu + (long) StackLayout.LINE * ncpu;
        this.base = MemoryCalls.mapRegion(bytes);
        this.locks = this.mode == Mode.FALLBACK ? base + rowBytes * ncpu : 0;
        this.view = rowBytes * ncpu <= Integer.MAX_VALUE ? MemoryCalls.view(base, rowBytes * ncpu) : null;
        long address = base;
        CLEANER.register(this, () -> MemoryCalls.unmapRegion(address, bytes));
    }

    /**
     * An array of {@code length} longs per CPU, all 0, in the given mode (AUTO: rseq where available).
     *
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     */
    public static PerCpuLongArray create(int length, Mode mode) {
        return new PerCpuLongArray(length, Objects.requireNonNull(mode, "mode"));
    }

    /** An array of {@code length} longs per CPU in mode AUTO. */
    public static PerCpuLongArray create(int length) {
        return create(length, Mode.AUTO);
    }

    /** RSEQ or FALLBACK. */
    public Mode mode() {
        return mode;
    }

    /** Longs per CPU. */
    public int length() {
        return length;
    }

    /** Number of rows: the possible CPUs. */
    public int cpus() {
        return ncpu;
    }

    /** Load-acquire of {@code row[cpu][index]}. */
    public long get(int cpu, int index) {
        Objects.checkIndex(cpu, ncpu);
        Objects.checkIndex(index, length);
        long value = view != null ? (long) LONGS.getAcquire(view, (int) (cpu * rowBytes + index * 8L))
            : (long) LONGS.getAcquire(MemoryCalls.view(address(cpu, index), 8), 0);
        Reference.reachabilityFence(this);
        return value;
    }

    /** Sum of {@code row[c][index]} over all CPUs (load-acquires, not a snapshot). */
    public long sum(int index) {
        long total = 0;
        for (int cpu = 0; cpu < ncpu; cpu++) {
            total += get(cpu, index);
        }
        return total;
    }

    /** {@code row[current][index] += delta}. Returns the CPU it landed on (>= 0), or a negative code. */
    public int add(int index, long delta) {
        Objects.checkIndex(index, length);
        int r = bridge.opAdd(base, rowBytes, ncpu, locks, index * 8, delta);
        Reference.reachabilityFence(this);
        return r;
    }

    /** If {@code row[current][index] == expect}, set it to {@code update}. */
    public int compareAndSet(int index, long expect, long update) {
        Objects.checkIndex(index, length);
        int r = bridge.opCompareCopy(base, rowBytes, ncpu, locks, index * 8, expect, update, 0, EMPTY, 0, 0);
        Reference.reachabilityFence(this);
        return r;
    }

    private static final byte[] EMPTY = new byte[0];

    /**
     * If {@code row[current][index] == expect}: store {@code value2} into
     * {@code row[current][index2]} (the "try store", visible before the
     * commit and redone on restart), then commit {@code update} into
     * {@code row[current][index]}.
     */
    public int compareAndSetWithStore(int index, long expect, long update, int index2, long value2) {
        Objects.checkIndex(index, length);
        Objects.checkIndex(index2, length);
        int r = bridge.opCompareStore(base, rowBytes, ncpu, locks, index * 8, expect, update, index2 * 8, value2);
        Reference.reachabilityFence(this);
        return r;
    }

    /**
     * If {@code row[current][index] == expect}: copy {@code src[srcOffset ..
     * srcOffset + length)} into the current row at byte {@code byteOffset}
     * (visible before the commit, redone on restart), then commit {@code update}.
     *
     * @throws IndexOutOfBoundsException when a range falls outside the array or the row
     * @throws IllegalArgumentException when {@code length > MAX_COPY}
     */
    public int compareAndSetWithCopy(int index, long expect, long update, int byteOffset, byte[] src, int srcOffset,
                                     int length) {
        Objects.checkIndex(index, this.length);
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        Objects.checkFromIndexSize(byteOffset, length, this.length * 8);
        if (length > MAX_COPY) {
            throw new IllegalArgumentException("copy of " + length + " bytes exceeds " + MAX_COPY);
        }
        int r = bridge.opCompareCopy(base, rowBytes, ncpu, locks, index * 8, expect, update, byteOffset, src,
            srcOffset, length);
        Reference.reachabilityFence(this);
        return r;
    }

    /** Native address of {@code row[cpu][index]}, for {@link EventCount#commit}. */
    long address(int cpu, int index) {
        return base + cpu * rowBytes + index * 8L;
    }

    long base() {
        return base;
    }

    long rowBytes() {
        return rowBytes;
    }

    long locks() {
        return locks;
    }
}
