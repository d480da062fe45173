package dev.percpu;

import dev.percpu.bridge.Bridge;
import dev.percpu.bridge.Bridges;
import java.util.BitSet;
import java.util.Objects;
import org.agrona.concurrent.AgentRunner;

/**
 * Fixed-size slots of off-heap memory from per-CPU freelists.
 *
 * <p>One allocator owns one region of {@code slots x slotSize} bytes,
 * reserved up front ({@code mmap} with {@code MAP_NORESERVE}; pages are
 * committed by the kernel when first written) and unmapped by
 * {@link #close()}. Free slots are kept as 32-bit indices in per-CPU stacks
 * (native memory, see {@code docs/design.md}) and in a shared {@link Depot}
 * ({@link IndexStacks} drives both):
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
 * and puts the slot on a freelist twice, unless debug mode is on
 * ({@link SlabConfig.Builder#debug(boolean)}), which rejects it with
 * {@link IllegalArgumentException}, poisons freed slots, checks the poison
 * on allocation ({@link IllegalStateException} on a write after free) and
 * reports leaks at {@link #close()}.
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
    /** Page size used by {@link #trim()}: x86-64 base pages (every region is page-aligned). */
    private static final long PAGE = 4096;
    /** Indices moved per native call by the batch methods. */
    private static final int CHUNK = 256;
    private static final ThreadLocal<int[]> CHUNK_SCRATCH = ThreadLocal.withInitial(() -> new int[CHUNK]);

    private final SlabConfig config;
    private final Bridge bridge;
    private final IndexStacks stacks;
    private final int slotSize;
    private final int slotShift;
    /** {@code slotSize - 1}: the offset bits below a slot start (used when the size is a power of two). */
    private final long slotMask;
    private final int slots;
    private final long region;
    private final long regionBytes;
    private final boolean ownsRegion;
    /** Debug mode: the one check the fast path pays when it is off. */
    private final boolean debug;
    private final SlotDebugger debugger;
    private final AgentRunner rebalancer;
    /** The per-CPU stacks' block and mode, copied from {@link #stacks} for the inlined fast path. */
    private final long block;
    private final boolean fallback;

    private SlabAllocator(SlabConfig config, Bridge bridge, long borrowedRegion) {
        this.config = config;
        this.bridge = bridge;
        this.slotSize = config.slotSize();
        this.slotShift = Integer.bitCount(slotSize) == 1 ? Integer.numberOfTrailingZeros(slotSize) : -1;
        this.slotMask = slotSize - 1L;
        this.slots = config.slots();
        this.regionBytes = config.regionBytes();
        this.debug = config.debug();
        this.debugger = debug ? new SlotDebugger(bridge, slots, slotSize, config.debugStackTraces()) : null;
        this.stacks = new IndexStacks(bridge, "SlabAllocator", config.mode(), slots, config.perCpuCapacity(),
            config.maxPerCpuCapacity(), config.batchSize());
        this.block = stacks.block();
        this.fallback = stacks.fallback();
        this.ownsRegion = borrowedRegion == 0;
        if (ownsRegion) {
            long mapped;
            try {
                mapped = bridge.mapRegion(regionBytes);
            } catch (RuntimeException | Error e) {
                stacks.abandon();
                throw e;
            }
            this.region = mapped;
        } else {
            this.region = borrowedRegion;
        }
        this.rebalancer = config.rebalancer().map(r -> {
            AgentRunner runner = new AgentRunner(r.newIdleStrategy(), Rebalancer::reportError, null,
                new Rebalancer(this, r));
            // A daemon thread: an allocator that is never closed must not keep the JVM alive.
            AgentRunner.startOnThread(runner, task -> {
                Thread thread = new Thread(task, "percpu-rebalancer");
                thread.setDaemon(true);
                return thread;
            });
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
        return new SlabAllocator(Objects.requireNonNull(config, "config"), Bridges.get(), 0);
    }

    /**
     * An allocator whose slots lie in {@code [region, region + config.regionBytes())}, memory the
     * caller mapped and unmaps after {@link #close()} (used by {@link SizeClassAllocator}).
     */
    static SlabAllocator createIn(SlabConfig config, Bridge bridge, long region) {
        if (region == 0) {
            throw new IllegalArgumentException("region must not be 0");
        }
        return new SlabAllocator(config, bridge, region);
    }

    /** The mode this allocator runs in: {@link Mode#RSEQ} or {@link Mode#FALLBACK}, never AUTO. */
    public Mode mode() {
        return stacks.mode();
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
        return stacks.cpus();
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

    /** Whether debug mode is on ({@link SlabConfig.Builder#debug(boolean)}). */
    public boolean isDebug() {
        return debug;
    }

    /**
     * A free slot's address, or {@code 0} when the pool is exhausted.
     *
     * @throws IllegalStateException after {@link #close()}; in debug mode also when the slot
     *     about to be handed out was written after it was freed (the message names its address)
     */
    public long tryAllocate() {
        // IndexStacks.pop() written out (and push() in free): through IndexStacks the FFM pair measured
        // 9.6 ns against 8.2 ns written out here (PercpuBench, JDK 25, 2 forks); slow paths stay there.
        int r = fallback ? bridge.fallbackPop(block) : bridge.pop(block);
        int index = r >= 0 ? r : stacks.popSlow(r);
        if (index < 0) {
            return 0L;
        }
        long address = address(index);
        if (debug) {
            checkAllocated(index, address);
        }
        return address;
    }

    /**
     * A free slot's address.
     *
     * @throws PoolExhaustedException when no slot is free anywhere
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after free
     */
    public long allocate() {
        long address = tryAllocate();
        if (address == 0) {
            throw new PoolExhaustedException("all " + slots + " slots of " + slotSize + " bytes are in use");
        }
        return address;
    }

    /**
     * Allocates up to {@code n} slots into {@code dst[0 .. n)}: one native
     * call when the slot size is a power of two (the C side writes the
     * addresses, one rseq section per 64 slots), else one call per
     * {@value #CHUNK} slots; one call per slot in debug mode.
     * Returns how many were allocated: fewer than {@code n} only when the
     * pool ran out.
     *
     * @throws IndexOutOfBoundsException when {@code n} is negative or exceeds {@code dst.length}
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after
     *     free, and then every slot of this call is freed again
     */
    public int allocate(long[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        if (debug) {
            return allocateOneByOne(dst, n);
        }
        int done = 0;
        if (slotShift >= 0) {
            // One native call: C pops and writes addresses straight into dst (percpu_address_batch.h).
            done = Math.max(bridge.popAddresses(block, fallback, dst, 0, n, region, slotShift), 0);
            if (done == n) {
                return n;
            }
        }
        return done + allocateByIndex(dst, done, n - done);
    }

    /** Pops indices into a scratch array and converts them in Java; reaches the slow paths. */
    private int allocateByIndex(long[] dst, int at, int n) {
        int[] indices = CHUNK_SCRATCH.get();
        int done = 0;
        while (done < n) {
            int want = Math.min(n - done, CHUNK);
            int got = stacks.popBatch(indices, want);
            toAddresses(indices, got, dst, at + done);
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
     * @throws IllegalArgumentException when {@code address} is not a slot of this allocator that
     *     was handed out; in debug mode also when it is free already (double free)
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long address) {
        int index = indexOf(address);
        if (debug) {
            stacks.ensureOpen();
            debugger.freeing(index, address);
            poisonOrUnfree(index, address);
        }
        int r = fallback ? bridge.fallbackPush(block, index) : bridge.push(block, index);
        if (r != 0) {
            stacks.pushSlow(index, r);
        }
    }

    /**
     * Returns {@code src[0 .. n)}. Every address is checked before any is
     * freed: one bad address rejects the whole call and frees nothing (in
     * debug mode this includes an address that is free already, or twice in
     * {@code src}).
     *
     * @throws IllegalArgumentException when an address is not a slot of this allocator that was handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long[] src, int n) {
        Objects.checkFromIndexSize(0, n, src.length);
        if (!debug && slotShift >= 0) {
            // One native call: C checks every address, then pushes their indices (percpu_address_batch.h).
            int r = bridge.pushAddresses(block, fallback, src, 0, n, region, slotShift,
                (long) stacks.carved() << slotShift);
            if (r >= 0) {
                freeByIndex(src, r, n - r);
                return;
            }
            // An error code (BAD_ADDRESS included) pushed nothing: the checked path below decides.
        }
        checkAll(src, n);
        if (debug) {
            markFreed(src, n);
        }
        freeByIndex(src, 0, n);
    }

    /** Pushes {@code src[at .. at + n)}, addresses already checked, through a scratch index array. */
    private void freeByIndex(long[] src, int at, int n) {
        if (n == 0) {
            return;
        }
        int[] indices = CHUNK_SCRATCH.get();
        for (int done = 0; done < n; ) {
            int want = Math.min(n - done, CHUNK);
            for (int i = 0; i < want; i++) {
                indices[i] = indexOfChecked(src[at + done + i]);
            }
            stacks.pushBatch(indices, want);
            done += want;
        }
    }

    /**
     * Moves every slot cached by every CPU's stack into the depot (in rseq
     * mode: stop, membarrier fence, take, resume, per CPU). Useful before
     * measuring, or to hand memory cached by idle CPUs to the busy ones.
     *
     * @return the number of slots moved
     * @throws IllegalStateException after {@link #close()}
     */
    public long drain() {
        return stacks.drain();
    }

    /**
     * A snapshot of the counters; see {@link SlabStats} for which are exact.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats() {
        return stacks.stats(slotSize);
    }

    /**
     * The slots allocated and not freed right now, with their allocation
     * sites where recorded. Exact when no other thread allocates or frees.
     *
     * @throws IllegalStateException when debug mode is off, or after {@link #close()}
     */
    public LeakReport leaks() {
        if (!debug) {
            throw new IllegalStateException("leaks() needs debug mode: SlabConfig.Builder.debug(true) or -D"
                + SlabConfig.DEBUG_PROPERTY + "=true");
        }
        stacks.ensureOpen();
        return debugger.leaks(config.toString(), region, slotSize);
    }

    /**
     * Stops the per-CPU stacks, unmaps the region, and makes every later
     * call throw {@link IllegalStateException}. Idempotent: closing a closed
     * allocator does nothing. In debug mode, when slots are still allocated,
     * their {@link LeakReport} goes to the configured leak handler first
     * (on this thread; an exception from the handler propagates after the
     * allocator is closed).
     */
    @Override
    public void close() {
        if (rebalancer != null) {
            rebalancer.close();
        }
        LeakReport[] leaked = new LeakReport[1];
        stacks.close(() -> {
            try {
                if (debug) {
                    debugger.close();
                    LeakReport report = debugger.leaks(config.toString(), region, slotSize);
                    leaked[0] = report.count() > 0 ? report : null;
                }
            } finally {
                if (ownsRegion) {
                    bridge.unmapRegion(region, regionBytes);
                }
            }
        });
        if (leaked[0] != null) {
            config.leakHandler().accept(leaked[0]);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return stacks.isClosed();
    }

    /**
     * Returns to the kernel the pages of the region that hold only free
     * slots of the depot ({@code madvise(MADV_DONTNEED)}). The slots stay
     * free and usable: the kernel commits fresh zeroed pages when they are
     * written again. Slots cached on CPU stacks are not trimmed; call
     * {@link #drain()} first to include them. In debug mode nothing is
     * trimmed (free slots must keep their poison pattern).
     *
     * @return bytes of resident memory released (measured with {@code mincore})
     * @throws IllegalStateException after {@link #close()}
     */
    public long trim() {
        Depot depot = stacks.depot();
        synchronized (depot) {
            stacks.ensureOpen();
            return trimOldest(depot.freeCount());
        }
    }

    /**
     * Trims the pages holding only the {@code count} oldest freed slots of the
     * depot (and never-used slots). Depot lock held. Returns the resident
     * bytes released.
     */
    long trimOldest(int count) {
        Depot depot = stacks.depot();
        if (count <= 0 || debug) {
            return 0;
        }
        int carved = depot.carved();
        BitSet free = new BitSet(carved);
        for (int i = 0; i < count; i++) {
            free.set(depot.freeAt(i));
        }
        long end = region + (long) carved * slotSize;
        long released = 0;
        long runStart = -1;
        long page = (region + PAGE - 1) & -PAGE;
        for (; page + PAGE <= end; page += PAGE) {
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
            released += releaseRun(runStart, page);
        }
        depot.trimmedBytes += released;
        return released;
    }

    private long releaseRun(long from, long to) {
        long before = bridge.residentBytes(from, to - from);
        bridge.releasePages(from, to - from);
        return before - bridge.residentBytes(from, to - from);
    }

    /** The per-CPU stacks and depot, for the {@link Rebalancer}. */
    IndexStacks stacks() {
        return stacks;
    }

    /** {@code dst[at + i] = address(indices[i])} for {@code i < n}, the shift chosen once per call. */
    private void toAddresses(int[] indices, int n, long[] dst, int at) {
        if (slotShift >= 0) {
            for (int i = 0; i < n; i++) {
                dst[at + i] = region + ((long) indices[i] << slotShift);
            }
        } else {
            for (int i = 0; i < n; i++) {
                dst[at + i] = region + (long) indices[i] * slotSize;
            }
        }
    }

    /**
     * {@link #indexOf(long)}'s checks over {@code src[0 .. n)}. With a
     * power-of-two slot size the loop has no branch: it ORs together every
     * offset's low bits and, in the sign bit, whether the offset lies outside
     * {@code [0, carved bytes)}; only a non-zero result walks the array again
     * to name the first bad address.
     */
    private void checkAll(long[] src, int n) {
        if (slotShift >= 0) {
            long limit = ((long) stacks.carved() << slotShift) - 1;
            long bad = 0;
            for (int i = 0; i < n; i++) {
                long offset = src[i] - region;
                bad |= (offset & slotMask) | ((offset | (limit - offset)) & Long.MIN_VALUE);
            }
            if (bad == 0) {
                return;
            }
        }
        for (int i = 0; i < n; i++) {
            indexOf(src[i]);
        }
    }

    private long address(int index) {
        return region + (slotShift >= 0 ? (long) index << slotShift : (long) index * slotSize);
    }

    /** The index of an address that {@link #indexOf(long)} already accepted: arithmetic only. */
    private int indexOfChecked(long address) {
        long offset = address - region;
        return (int) (slotShift >= 0 ? offset >>> slotShift : offset / slotSize);
    }

    /**
     * The index of a slot address this allocator handed out, or
     * {@link IllegalArgumentException}. With a power-of-two slot size (the
     * fast path) one mask and one unsigned compare against the carved bytes
     * cover all three rules; {@link #rejection(long)} then says which failed.
     */
    private int indexOf(long address) {
        long offset = address - region;
        if (slotShift >= 0) {
            if ((offset & slotMask) == 0 && Long.compareUnsigned(offset, (long) stacks.carved() << slotShift) < 0) {
                return (int) (offset >>> slotShift);
            }
            throw rejection(address);
        }
        long index = offset / slotSize;
        if (Long.compareUnsigned(offset, regionBytes) >= 0 || index * slotSize != offset || index >= stacks.carved()) {
            throw rejection(address);
        }
        return (int) index;
    }

    /** Why {@link #indexOf(long)} rejects {@code address}. */
    private IllegalArgumentException rejection(long address) {
        long offset = address - region;
        if (Long.compareUnsigned(offset, regionBytes) >= 0) {
            return new IllegalArgumentException(String.format(
                "address 0x%x is not in this allocator's region [0x%x, 0x%x)", address, region, region + regionBytes));
        }
        long index = offset / slotSize;
        if (index * slotSize != offset) {
            return new IllegalArgumentException(String.format(
                "address 0x%x is %d bytes into slot %d: not a slot start (slot size %d)",
                address, offset - index * slotSize, index, slotSize));
        }
        return new IllegalArgumentException(String.format(
            "address 0x%x is slot %d, which was never allocated", address, index));
    }

    /** Debug mode: state and poison check of a slot just popped; on corruption puts it back and throws. */
    private void checkAllocated(int index, long address) {
        long offset = debugger.allocated(index, address);
        if (offset >= 0) {
            stacks.push(index);
            throw new IllegalStateException(String.format(
                "slot 0x%x (slot size %d) was written after it was freed: the 8-byte word at offset %d is not "
                    + "the poison 0x%x (debug mode checks the first %d bytes); the slot was re-poisoned and put back",
                address, slotSize, offset, SlotDebugger.POISON, debugger.poisonBytes()));
        }
    }

    /** Debug mode batch allocation: slot by slot, so that a corrupt slot gives back the ones taken before it. */
    private int allocateOneByOne(long[] dst, int n) {
        int done = 0;
        try {
            while (done < n) {
                long address = tryAllocate();
                if (address == 0) {
                    break;
                }
                dst[done++] = address;
            }
            return done;
        } catch (RuntimeException e) {
            try {
                free(dst, done);
            } catch (RuntimeException closed) {
                e.addSuppressed(closed);
            }
            throw e;
        }
    }

    /** Debug mode batch free: marks every slot FREE or none (a double free anywhere undoes the rest), then poisons. */
    private void markFreed(long[] src, int n) {
        stacks.ensureOpen();
        int marked = 0;
        try {
            for (; marked < n; marked++) {
                debugger.freeing(indexOf(src[marked]), src[marked]);
            }
        } catch (IllegalArgumentException e) {
            for (int i = 0; i < marked; i++) {
                debugger.unfree(indexOf(src[i]));
            }
            throw e;
        }
        for (int i = 0; i < n; i++) {
            try {
                debugger.poison(indexOf(src[i]), src[i]);
            } catch (IllegalStateException closed) {
                for (int j = i; j < n; j++) {
                    debugger.unfree(indexOf(src[j]));
                }
                throw closed;
            }
        }
    }

    /** Debug mode: poisons a slot just marked free; when close() got in first, marks it allocated again. */
    private void poisonOrUnfree(int index, long address) {
        try {
            debugger.poison(index, address);
        } catch (IllegalStateException closed) {
            debugger.unfree(index);
            throw closed;
        }
    }
}
