package dev.percpu.engine;

import dev.percpu.bridge.BlockCalls;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.IndexArray;
import dev.percpu.bridge.MemoryCalls;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.bridge.StackCalls;
import dev.percpu.bridge.StackLayout;
import dev.percpu.runtime.Mode;
import java.nio.ByteBuffer;

/**
 * One block of per-CPU stacks of 32-bit indices in native memory: one stack
 * per possible CPU, each with a capacity that can change at run time up to
 * the block's stride. The layout is drawn once in {@code percpu_layout.h}
 * (mirrored by {@code StackLayout}).
 *
 * <p>The mode is fixed at creation: {@link Mode#RSEQ} drives every local
 * operation with an rseq section, {@link Mode#FALLBACK} with the CPU's
 * try-lock. This class holds it and passes it, as one {@code fallback}
 * argument, to every native call on the block, local and remote alike.
 *
 * <h2>The local/remote protocol</h2>
 * <ul>
 *   <li><b>Local</b> operations ({@link #pop()}, {@link #push(int)}, the
 *       batches, the address batches) act on the calling thread's current CPU,
 *       never block and commit with one store. They return an index or a
 *       count, or a negative code of {@code NativeCodes}: EMPTY/FULL, or a
 *       reason to take the owner's slow path (no registration, restart
 *       bound, stack stopped, lock busy, CPU beyond the block).</li>
 *   <li><b>Remote</b> operations ({@link #take}, {@link #put},
 *       {@link #setCapacity}, {@link #close()}) act on any CPU's stack from
 *       any thread: set that CPU's stop word, fence the CPU so no section
 *       is in flight there (membarrier-RSEQ, or an affinity move), operate,
 *       release the stop word. A local section that starts meanwhile sees the
 *       stop word and returns STOPPED. In fallback mode the CPU's lock does
 *       the same job. The C side tells the full argument once, in
 *       {@code percpu_remote.h}. Remote operations of one block must not
 *       run concurrently with each other: the owner serialises them (the
 *       depot lock of {@link IndexPool}).</li>
 *   <li><b>Racy readers</b> ({@link #top}, {@link #capacity},
 *       {@link #pops}, {@link #pushes}, {@link #aborts}) read a header word
 *       without stopping the CPU: exact when the CPU is idle, a snapshot
 *       otherwise. {@code pops}/{@code pushes} count inside the section and
 *       may over-count by the aborts between count and commit.</li>
 * </ul>
 *
 * <p>Closing stops every stack for good and releases the slot arrays; the
 * header page stays mapped for the rest of the process (128 bytes per
 * possible CPU plus one line, rounded up to a page), so a racing local call
 * reads valid memory and returns STOPPED.
 */
public final class PerCpuStacks {
    /** The binding chosen once per JVM: a constant, so C2 inlines the downcall. */
    private static final StackCalls CALLS = Bridges.stacks();

    private final long block;
    private final boolean fallback;
    private final Mode mode;
    private final int cpus;
    private final int stride;
    private final ByteBuffer headers;

    private PerCpuStacks(long block, Mode mode, int cpus, int stride) {
        this.block = block;
        this.mode = mode;
        this.fallback = mode == Mode.FALLBACK;
        this.cpus = cpus;
        this.stride = stride;
        this.headers = MemoryCalls.view(block, StackLayout.cpuHeaderOffset(cpus));
    }

    /**
     * Maps a block with one stack per possible CPU, each able to hold up to
     * {@code stride} indices and starting with capacity {@code capacity}.
     *
     * @throws IllegalArgumentException when {@code capacity} is not in {@code [1, stride]}
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     * @throws OutOfMemoryError when the mapping fails
     */
    public static PerCpuStacks create(Mode requested, int stride, int capacity) {
        if (capacity < 1 || capacity > stride) {
            throw new IllegalArgumentException("capacity must be in [1, " + stride + "], was " + capacity);
        }
        Mode mode = requested.resolved();
        int cpus = RseqCalls.possibleCpus();
        PerCpuStacks stacks = new PerCpuStacks(BlockCalls.createBlock(cpus, stride), mode, cpus, stride);
        for (int cpu = 0; cpu < cpus; cpu++) {
            // The block is not shared yet: plain writes of the starting capacity are safe.
            stacks.headers.putInt(header(cpu) + StackLayout.CAPACITY_OFFSET, capacity);
        }
        return stacks;
    }

    /** {@link Mode#RSEQ} or {@link Mode#FALLBACK}. */
    public Mode mode() {
        return mode;
    }

    /** Number of stacks: the possible CPUs. */
    public int cpus() {
        return cpus;
    }

    /** The most indices one stack can hold (the upper bound of {@link #setCapacity}). */
    public int stride() {
        return stride;
    }

    /**
     * An index array of {@code length} for the batch calls below, ready for
     * the binding: batch calls on it allocate nothing on any thread, from
     * the thread's first call (a plain {@code int[]} costs the FFM binding a
     * heap segment on each thread's first call with it).
     */
    public static IndexArray newIndexArray(int length) {
        return CALLS.newIndexArray(length);
    }

    /** "jni" or "ffm". */
    public static String bridgeName() {
        return CALLS.name();
    }

    /** The CPU the calling thread runs on now (a JNI call: for slow paths and statistics). */
    public static int currentCpu() {
        return RseqCalls.currentCpu();
    }

    /** Remote fences run by this process so far, all blocks together. */
    public static long remoteFences() {
        return BlockCalls.remoteFences();
    }

    /** Section aborts the calling thread has seen, all blocks together. */
    public static long callerThreadAborts() {
        return RseqCalls.threadAborts();
    }

    // ---- local operations: the calling thread's current CPU ----

    /** An index, EMPTY, or a slow-path code. */
    public int pop() {
        return CALLS.pop(block, fallback);
    }

    /** 0, FULL, or a slow-path code. */
    public int push(int index) {
        return CALLS.push(block, fallback, index);
    }

    /** Up to {@code n} indices into {@code dst[offset ..]}: the count (0 when empty) or a slow-path code. */
    public int popBatch(int[] dst, int offset, int n) {
        return CALLS.popBatch(block, fallback, dst, offset, n);
    }

    /** Up to {@code n} indices from {@code src[offset ..]}: the count pushed (0 when full) or a slow-path code. */
    public int pushBatch(int[] src, int offset, int n) {
        return CALLS.pushBatch(block, fallback, src, offset, n);
    }

    /** {@link #popBatch(int[], int, int)} into an index array. */
    public int popBatch(IndexArray dst, int offset, int n) {
        return CALLS.popBatch(block, fallback, dst, offset, n);
    }

    /** {@link #pushBatch(int[], int, int)} from an index array. */
    public int pushBatch(IndexArray src, int offset, int n) {
        return CALLS.pushBatch(block, fallback, src, offset, n);
    }

    /**
     * Up to {@code n} indices into {@code dst[offset ..]} as addresses
     * {@code region + (index << shift)}: the count or a slow-path code.
     */
    public int popAddresses(long[] dst, int offset, int n, long region, int shift) {
        return CALLS.popAddresses(block, fallback, dst, offset, n, region, shift);
    }

    /**
     * Checks every address of {@code src[offset .. offset + n)} (in
     * {@code [region, region + limit)}, on a multiple of {@code 1 << shift}),
     * then pushes their indices: the count pushed, BAD_ADDRESS with nothing
     * pushed, or a slow-path code.
     */
    public int pushAddresses(long[] src, int offset, int n, long region, int shift, long limit) {
        return CALLS.pushAddresses(block, fallback, src, offset, n, region, shift, limit);
    }

    // ---- remote operations: any CPU, serialised by the owner ----

    /**
     * Takes up to {@code n} indices off {@code cpu}'s stack into {@code dst[offset ..]}.
     *
     * @return the count taken
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    public int take(int cpu, int[] dst, int offset, int n) {
        return BlockCalls.remoteTake(block, cpu, dst, offset, n, fallback);
    }

    /**
     * Pushes up to {@code n} indices from {@code src[offset ..]} onto {@code cpu}'s stack, room permitting.
     *
     * @return the count pushed
     * @throws IllegalStateException when the CPU cannot be fenced or the block is closed
     */
    public int put(int cpu, int[] src, int offset, int n) {
        return BlockCalls.remotePut(block, cpu, src, offset, n, fallback);
    }

    /**
     * Sets {@code cpu}'s capacity; indices above it move into {@code excess}.
     *
     * @return the count moved into {@code excess}
     * @throws IllegalArgumentException for a capacity outside {@code [1, stride]}
     * @throws IllegalStateException when the CPU cannot be fenced, the block is closed, or
     *     {@code excess} is too short (then nothing changed)
     */
    public int setCapacity(int cpu, int capacity, int[] excess) {
        return BlockCalls.remoteSetCapacity(block, cpu, capacity, excess, fallback);
    }

    /** Stops every stack for good and releases the slot arrays (see the class comment). */
    public void close() {
        BlockCalls.closeBlock(block, fallback);
    }

    /** Unmaps a block that was never shared (its owner's construction failed). */
    public void destroy() {
        BlockCalls.destroyBlock(block);
    }

    // ---- racy readers ----

    /** Indices on {@code cpu}'s stack now. */
    public int top(int cpu) {
        return headers.getInt(header(cpu) + StackLayout.TOP_OFFSET);
    }

    /** {@code cpu}'s capacity now. */
    public int capacity(int cpu) {
        return headers.getInt(header(cpu) + StackLayout.CAPACITY_OFFSET);
    }

    /** Local pops committed (or about to be) on {@code cpu}; approximate in rseq mode. */
    public long pops(int cpu) {
        return headers.getLong(header(cpu) + StackLayout.POPS_OFFSET);
    }

    /** Local pushes on {@code cpu}; approximate in rseq mode. */
    public long pushes(int cpu) {
        return headers.getLong(header(cpu) + StackLayout.PUSHES_OFFSET);
    }

    /** Section aborts counted on {@code cpu} (racy, written outside any section). */
    public long aborts(int cpu) {
        return headers.getLong(header(cpu) + StackLayout.ABORTS_OFFSET);
    }

    private static int header(int cpu) {
        return (int) StackLayout.cpuHeaderOffset(cpu);
    }
}
