package dev.percpu;

import dev.percpu.bridge.Bridge;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.StackLayout;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.agrona.concurrent.AgentRunner;

/**
 * Fixed-size slots of off-heap memory from per-CPU freelists.
 *
 * <p>One allocator owns one region of {@code slots x slotSize} bytes,
 * reserved up front ({@code mmap} with {@code MAP_NORESERVE}; pages are
 * committed by the kernel when first written) and unmapped by
 * {@link #close()}. Free slots are kept as 32-bit indices in per-CPU stacks
 * (native memory, see {@code docs/design.md}) and in a shared {@link Depot}:
 *
 * <pre>
 *   allocate/free  --(rseq section or per-CPU try-lock)-->  CPU stack of the calling thread's CPU
 *        |  empty on allocate: refill a batch from the depot
 *        |  full on free: flush a batch to the depot
 *        |  no rseq registration, restart bound hit, stack stopped: use the depot directly
 *        v
 *   depot (lock)  --empty-->  steal a batch from another CPU's stack (remote take)  --none-->  exhausted
 * </pre>
 *
 * <p>Exhaustion: {@link #tryAllocate()} returns {@code 0}, {@link #allocate()}
 * throws {@link PoolExhaustedException}; both only after the depot and every
 * CPU's stack were found empty. Slots cached by other CPUs are reached by
 * stealing, or moved to the depot in bulk by {@link #drain()}.
 *
 * <p>Bad input: {@link #free(long)} rejects, with {@link IllegalArgumentException}
 * and without touching the pool, an address outside the region, off a slot
 * boundary, or of a slot never handed out. A double free of a valid slot
 * address is the caller's error, as with {@code free(3)}: it is not detected
 * (debug mode will catch it) and puts the slot on a freelist twice.
 *
 * <p>Threading: every method may be called from any thread at any time. The
 * fast path (allocate/free hitting the current CPU's stack) takes no lock in
 * {@link Mode#RSEQ}; slow paths serialise on the depot lock.
 *
 * <p>Closing: {@link #close()} stops every CPU stack for good (so no
 * operation can commit on it any more), unmaps the region and the slot
 * arrays, and keeps only the block's header page mapped (128 bytes per
 * possible CPU, rounded up to a page) for the rest of the process, so that a
 * call racing with close reads valid memory, finds its stack stopped, and
 * then throws {@link IllegalStateException}. The fast path has no open/closed
 * check at all. An address returned by a call that raced with close is
 * invalid like every other address of the closed pool.
 */
public final class SlabAllocator implements AutoCloseable {
    /** Page size used by {@link #trim()} (x86-64 base pages). */
    private static final long PAGE = 4096;
    /** Indices moved per native call by the batch methods. */
    private static final int CHUNK = 256;
    private static final ThreadLocal<int[]> CHUNK_SCRATCH = ThreadLocal.withInitial(() -> new int[CHUNK]);

    private final SlabConfig config;
    private final Bridge bridge;
    private final Mode mode;
    private final boolean fallback;
    private final int slotSize;
    private final int slotShift;
    private final int slots;
    private final long region;
    private final long regionBytes;
    private final int ncpu;
    private final long block;
    private final ByteBuffer headers;
    private final Depot depot;
    private final AgentRunner rebalancer;
    private volatile boolean closed;

    private SlabAllocator(SlabConfig config, Bridge bridge) {
        this.config = config;
        this.bridge = bridge;
        this.mode = config.mode().resolved();
        this.fallback = mode == Mode.FALLBACK;
        this.slotSize = config.slotSize();
        this.slotShift = Integer.bitCount(slotSize) == 1 ? Integer.numberOfTrailingZeros(slotSize) : -1;
        this.slots = config.slots();
        this.regionBytes = config.regionBytes();
        this.ncpu = bridge.possibleCpus();
        this.depot = new Depot(slots, config.batchSize(), ncpu);
        this.region = bridge.mapRegion(regionBytes);
        long createdBlock;
        try {
            createdBlock = bridge.createBlock(ncpu, config.maxPerCpuCapacity());
        } catch (RuntimeException | Error e) {
            bridge.unmapRegion(region, regionBytes);
            throw e;
        }
        this.block = createdBlock;
        this.headers = bridge.view(block, StackLayout.cpuHeaderOffset(ncpu));
        for (int cpu = 0; cpu < ncpu; cpu++) {
            // The block is not shared yet: plain writes of the starting capacity are safe.
            headers.putInt((int) StackLayout.cpuHeaderOffset(cpu) + StackLayout.CAPACITY_OFFSET, config.perCpuCapacity());
        }
        this.rebalancer = config.rebalancer().map(r -> {
            AgentRunner runner = new AgentRunner(r.newIdleStrategy(), Rebalancer::reportError, null,
                new Rebalancer(this, r));
            AgentRunner.startOnThread(runner);
            return runner;
        }).orElse(null);
    }

    /**
     * Reserves the region and the per-CPU stacks described by {@code config}.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     * @throws OutOfMemoryError when the region cannot be reserved
     */
    public static SlabAllocator create(SlabConfig config) {
        return new SlabAllocator(Objects.requireNonNull(config, "config"), Bridges.get());
    }

    /** The mode this allocator runs in: {@link Mode#RSEQ} or {@link Mode#FALLBACK}, never AUTO. */
    public Mode mode() {
        return mode;
    }

    /** The native binding in use ("jni"). */
    public String bridgeName() {
        return bridge.name();
    }

    /** The configuration this allocator was made from. */
    public SlabConfig config() {
        return config;
    }

    /** Number of per-CPU stacks: the possible CPUs of this machine. */
    public int cpus() {
        return ncpu;
    }

    /** Bytes per slot. */
    public int slotSize() {
        return slotSize;
    }

    /** Start address of the region; slot {@code i} is at {@code regionAddress() + i * slotSize()}. */
    public long regionAddress() {
        return region;
    }

    /** Size of the region in bytes. */
    public long regionBytes() {
        return regionBytes;
    }

    /**
     * A free slot's address, or {@code 0} when the pool is exhausted.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public long tryAllocate() {
        int r = fallback ? bridge.fallbackPop(block) : bridge.pop(block);
        if (r >= 0) {
            return address(r);
        }
        int index = allocateSlow(r);
        return index >= 0 ? address(index) : 0L;
    }

    /**
     * A free slot's address.
     *
     * @throws PoolExhaustedException when no slot is free anywhere
     * @throws IllegalStateException after {@link #close()}
     */
    public long allocate() {
        long address = tryAllocate();
        if (address == 0) {
            throw new PoolExhaustedException("all " + slots + " slots of " + slotSize + " bytes are in use");
        }
        return address;
    }

    /**
     * Allocates up to {@code n} slots into {@code dst[0 .. n)}, one native
     * call per {@value #CHUNK} slots. Returns how many were allocated: fewer
     * than {@code n} only when the pool ran out.
     *
     * @throws IndexOutOfBoundsException when {@code n} is negative or exceeds {@code dst.length}
     * @throws IllegalStateException after {@link #close()}
     */
    public int allocate(long[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        int[] indices = CHUNK_SCRATCH.get();
        int done = 0;
        while (done < n) {
            int want = Math.min(n - done, CHUNK);
            int r = fallback ? bridge.fallbackPopBatch(block, indices, 0, want) : bridge.popBatch(block, indices, 0, want);
            int got = Math.max(r, 0);
            if (got < want) {
                got += allocateSlowBatch(indices, got, want - got, r);
            }
            for (int i = 0; i < got; i++) {
                dst[done + i] = address(indices[i]);
            }
            done += got;
            if (got < want) {
                break;
            }
        }
        return done;
    }

    /**
     * Returns a slot.
     *
     * @throws IllegalArgumentException when {@code address} is not a slot of this allocator that was handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long address) {
        int index = indexOf(address);
        int r = fallback ? bridge.fallbackPush(block, index) : bridge.push(block, index);
        if (r != 0) {
            freeSlow(index, r);
        }
    }

    /**
     * Returns {@code src[0 .. n)}. Every address is checked before any is
     * freed: one bad address rejects the whole call and frees nothing.
     *
     * @throws IllegalArgumentException when an address is not a slot of this allocator that was handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long[] src, int n) {
        Objects.checkFromIndexSize(0, n, src.length);
        for (int i = 0; i < n; i++) {
            indexOf(src[i]);
        }
        int[] indices = CHUNK_SCRATCH.get();
        for (int done = 0; done < n; ) {
            int want = Math.min(n - done, CHUNK);
            for (int i = 0; i < want; i++) {
                indices[i] = indexOf(src[done + i]);
            }
            int r = fallback ? bridge.fallbackPushBatch(block, indices, 0, want) : bridge.pushBatch(block, indices, 0, want);
            int pushed = Math.max(r, 0);
            if (pushed < want) {
                freeSlowBatch(indices, pushed, want - pushed, r);
            }
            done += want;
        }
    }

    /**
     * Moves every slot cached by every CPU's stack into the depot (in rseq
     * mode: stop, membarrier fence, take, resume, once per CPU that holds
     * any; allocates one int[perCpuCapacity]). Useful before
     * measuring, or to hand memory cached by idle CPUs to the busy ones.
     *
     * @return the number of slots moved
     * @throws IllegalStateException after {@link #close()}
     */
    public long drain() {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            long moved = 0;
            int[] whole = new int[config.perCpuCapacity()];
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int k = bridge.remoteTake(block, cpu, whole, 0, whole.length, fallback);
                depot.put(whole, 0, k);
                moved += k;
            }
            depot.drainedSlots += moved;
            return moved;
        }
    }

    /**
     * A snapshot of the counters; see {@link SlabStats} for which are exact.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats() {
        synchronized (depot) {
            ensureOpen();
            return new SlabStats(this);
        }
    }

    /**
     * Stops the per-CPU stacks, unmaps the region, and makes every later
     * call throw {@link IllegalStateException}. Idempotent: closing a closed
     * allocator does nothing.
     */
    @Override
    public void close() {
        if (rebalancer != null) {
            rebalancer.close();
        }
        synchronized (depot) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                bridge.closeBlock(block, fallback);
            } finally {
                bridge.unmapRegion(region, regionBytes);
            }
        }
    }

    /**
     * Returns to the kernel the pages of the region that hold only free
     * slots of the depot ({@code madvise(MADV_DONTNEED)}). The slots stay
     * free and usable: the kernel commits fresh zeroed pages when they are
     * written again. Slots cached on CPU stacks are not trimmed; call
     * {@link #drain()} first to include them.
     *
     * @return bytes of resident memory released (measured with {@code mincore})
     * @throws IllegalStateException after {@link #close()}
     */
    public long trim() {
        synchronized (depot) {
            ensureOpen();
            return trimOldest(depot.freeCount());
        }
    }

    /**
     * Trims the pages holding only the {@code count} oldest freed slots of the
     * depot (and never-used slots). Depot lock held. Returns the resident
     * bytes released.
     */
    long trimOldest(int count) {
        if (count <= 0) {
            return 0;
        }
        int carved = depot.carved();
        java.util.BitSet free = new java.util.BitSet(carved);
        for (int i = 0; i < count; i++) {
            free.set(depot.freeAt(i));
        }
        long start = region;
        long end = region + (long) carved * slotSize;
        long firstPage = (start + PAGE - 1) & -PAGE;
        long released = 0;
        long runStart = -1;
        for (long page = firstPage; page + PAGE <= end; page += PAGE) {
            int firstSlot = (int) ((page - region) / slotSize);
            int lastSlot = (int) ((page + PAGE - 1 - region) / slotSize);
            boolean allFree = free.nextClearBit(firstSlot) > lastSlot;
            if (allFree && runStart < 0) {
                runStart = page;
            } else if (!allFree && runStart >= 0) {
                released += releaseRun(runStart, page);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            released += releaseRun(runStart, firstPage + (end - firstPage) / PAGE * PAGE);
        }
        depot.trimmedBytes += released;
        return released;
    }

    private long releaseRun(long from, long to) {
        if (to <= from) {
            return 0;
        }
        long before = bridge.residentBytes(from, to - from);
        bridge.releasePages(from, to - from);
        return before - bridge.residentBytes(from, to - from);
    }

    Bridge bridge() {
        return bridge;
    }

    long block() {
        return block;
    }

    boolean fallback() {
        return fallback;
    }

    Depot depot() {
        return depot;
    }

    ByteBuffer headers() {
        return headers;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    private long address(int index) {
        return region + (slotShift >= 0 ? (long) index << slotShift : (long) index * slotSize);
    }

    private int indexOf(long address) {
        long offset = address - region;
        if (Long.compareUnsigned(offset, regionBytes) >= 0) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is not in this allocator's region [0x%x, 0x%x)", address, region, region + regionBytes));
        }
        long index = slotShift >= 0 ? offset >>> slotShift : offset / slotSize;
        if (index * slotSize != offset) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is %d bytes into slot %d: not a slot start (slot size %d)",
                address, offset - index * slotSize, index, slotSize));
        }
        if (index >= depot.carved()) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is slot %d, which was never allocated", address, index));
        }
        return (int) index;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this SlabAllocator is closed");
        }
    }

    /** Allocation after the CPU stack could not serve: refill, depot, steal. Returns an index or -1. */
    private int allocateSlow(int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            int[] scratch = depot.scratch;
            if (code == Bridge.EMPTY) {
                int k = depot.take(scratch, 0, scratch.length);
                if (k > 0) {
                    depot.refills++;
                    Depot.note(depot.refillsOnCpu, bridge.currentCpu());
                    if (k > 1) {
                        int pushed = Math.max(0, fallback ? bridge.fallbackPushBatch(block, scratch, 0, k - 1)
                            : bridge.pushBatch(block, scratch, 0, k - 1));
                        depot.put(scratch, pushed, k - 1 - pushed);
                    }
                    return scratch[k - 1];
                }
            } else {
                depot.slowPathEntries++;
                if (depot.take(scratch, 0, 1) == 1) {
                    return scratch[0];
                }
            }
            int k = steal(scratch, 0, scratch.length);
            if (k == 0) {
                return -1;
            }
            depot.put(scratch, 0, k - 1);
            return scratch[k - 1];
        }
    }

    /** Batch allocation after the CPU stack gave fewer than asked: depot, then steal. Returns the count added. */
    private int allocateSlowBatch(int[] indices, int offset, int n, int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            if (code >= 0 || code == Bridge.EMPTY) {
                depot.refills++;
            } else {
                depot.slowPathEntries++;
            }
            int got = depot.take(indices, offset, n);
            while (got < n) {
                int k = steal(indices, offset + got, n - got);
                if (k == 0) {
                    break;
                }
                got += k;
            }
            return got;
        }
    }

    /**
     * Takes up to n indices from the first CPU stack (the caller's own
     * included) that has any. A CPU that cannot be fenced is skipped: a
     * failed remote take takes nothing. Depot lock held.
     */
    private int steal(int[] dst, int offset, int n) {
        for (int cpu = 0; cpu < ncpu; cpu++) {
            int k;
            try {
                k = bridge.remoteTake(block, cpu, dst, offset, n, fallback);
            } catch (IllegalStateException cannotFence) {
                continue;
            }
            if (k > 0) {
                depot.steals++;
                return k;
            }
        }
        return 0;
    }

    private void freeSlow(int index, int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            if (code == Bridge.FULL) {
                flushBatch();
                Depot.note(depot.flushesOnCpu, bridge.currentCpu());
            } else {
                depot.slowPathEntries++;
            }
            depot.put(index);
        }
    }

    private void freeSlowBatch(int[] indices, int offset, int n, int code) {
        synchronized (depot) {
            ensureOpen();
            depot.lockAcquisitions++;
            if (code >= 0 || code == Bridge.FULL) {
                flushBatch();
                Depot.note(depot.flushesOnCpu, bridge.currentCpu());
            } else {
                depot.slowPathEntries++;
            }
            depot.put(indices, offset, n);
        }
    }

    /** The current CPU's stack is full: move a batch of it to the depot. Depot lock held. */
    private void flushBatch() {
        int[] scratch = depot.scratch;
        int k = fallback ? bridge.fallbackPopBatch(block, scratch, 0, scratch.length)
            : bridge.popBatch(block, scratch, 0, scratch.length);
        if (k > 0) {
            depot.put(scratch, 0, k);
        }
        depot.flushes++;
    }
}
