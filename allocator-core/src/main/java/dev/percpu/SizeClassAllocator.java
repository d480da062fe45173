package dev.percpu;

import dev.percpu.blocks.ClassBlocks;
import dev.percpu.blocks.ClassBlocksAccess;
import dev.percpu.engine.HandBack;
import dev.percpu.engine.IndexPool;
import dev.percpu.engine.MemoryBudget;
import dev.percpu.engine.PageHeap;
import dev.percpu.engine.Region;
import dev.percpu.engine.Trimmer;
import dev.percpu.runtime.Mode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.agrona.concurrent.AgentRunner;

/**
 * Off-heap blocks of any size, each served by the {@link SlabAllocator} of
 * the smallest class that fits, or, above the largest class, by a heap of
 * whole pages; all of them within one memory budget.
 *
 * <p>Address space: one reservation ({@code PROT_NONE}: no memory and no
 * commit charge until used) split into equal sub-ranges of {@code span}
 * bytes, a power of two at least {@link SizeClassConfig#capacityBytesPerClass()} and the page,
 * one per class, followed by the large-block range (twice the budget):
 * <pre>
 *   base                 base + span          base + classes * span
 *   +--------------------+--------------------+-----+----------------------------+
 *   | class 0: 16 B slots| class 1: 32 B slots| ... | large blocks (page runs)   |
 *   +--------------------+--------------------+-----+----------------------------+
 * </pre>
 * so {@link #free(long)} finds the class of an address in O(1):
 * {@code (address - base) >>> log2(span)}, one subtraction, one compare,
 * one shift; then the class's allocator checks the slot as usual.
 * {@link #allocate(int)} finds the class of a size in O(1) too, from a
 * table indexed by {@code ceil(size / 16)}.
 *
 * <p>One budget ({@link SizeClassConfig#maxMemory()}): every class may grow
 * until the memory committed by all classes and the large blocks together
 * reaches it. Classes commit in chunks of 64 KiB or more (of a class whose
 * slots span under 1 MiB, a sixteenth of them, at least a page) when their
 * depot carves past its high-water mark, the large heap per block; only those slow
 * paths touch the budget. See {@code docs/design.md}, "One budget and
 * hand-back".
 *
 * <p>Hand-back: unless {@link SizeClassConfig#handBackAfter()} is zero, one
 * maintenance thread per allocator ({@code percpu-handback}; or the
 * application's duty cycle, see {@link #maintenanceAgent()}) ends a window of
 * that length at a time; in each, every class drains the caches of CPUs that
 * were idle the whole window and hands back to the kernel and the budget the
 * free chunks it did not need, beyond a reserve of two refill batches. Large
 * blocks go back at once when freed. {@link #trim()} does the same by hand.
 *
 * <p>Mappings: at most two per class (a writable prefix and the rest of its
 * sub-range) and two for the large range, plus the per-CPU stacks' block
 * of each class, whatever the pattern of use: {@code 3 x classes + 2}.
 *
 * <p>Alignment: every block is 16-byte aligned; blocks of classes of 4 KiB
 * and more (whose sizes are multiples of 4 KiB) and large blocks are 4 KiB
 * (page) aligned, as {@code O_DIRECT} I/O wants.
 *
 * <p>Exhaustion: a request is never served from a larger class when its own
 * class is exhausted: {@link #tryAllocate(int)} then returns 0 and
 * {@link #allocate(int)} throws {@link PoolExhaustedException} naming why
 * (the class's capacity, the budget, or the kernel refusing memory).
 *
 * <p>Threading: every method may be called from any thread; each class
 * behaves as a {@link SlabAllocator} (no lock on the fast path in
 * {@link Mode#RSEQ}); the large heap takes a lock. Closing: {@link #close()}
 * stops the hand-back thread, closes every class, then unmaps the address
 * space; calls racing with it throw {@link IllegalStateException} as for a
 * {@link SlabAllocator}.
 */
public final class SizeClassAllocator implements AutoCloseable {
    private static final int QUANTUM_SHIFT = 4;
    /** The largest block: what a {@link ByteBuffer} can view, in whole pages. */
    public static final int MAX_BLOCK_SIZE = (int) (Integer.MAX_VALUE & -PageHeap.PAGE);

    static {
        ClassBlocksAccess.register(allocator -> allocator.new Blocks());
    }

    private final SizeClassConfig config;
    private final Region space;
    private final MemoryBudget budget;
    private final SlabAllocator[] classes;
    private final PageHeap large;
    private final int[] sizes;
    /** Class index by {@code ceil(size / 16)}. */
    private final byte[] classByQuanta;
    private final int maxSize;
    private final long base;
    private final long spanShift;
    /** Bytes of the classes' sub-ranges: the large range starts here. */
    private final long classBytes;
    private final HandBack handBack;
    /** The hand-back's own thread; null when there is no hand-back or the application runs it. */
    private final AgentRunner handBackRunner;
    /** The hand-back for the application to run; null unless configured so. */
    private final MaintenanceAgent maintenanceAgent;
    private boolean closed;

    private SizeClassAllocator(SizeClassConfig config) {
        this.config = config;
        this.sizes = config.classSizes();
        this.maxSize = sizes[sizes.length - 1];
        this.classByQuanta = new byte[(maxSize >>> QUANTUM_SHIFT) + 1];
        for (int q = 0, c = 0; q < classByQuanta.length; q++) {
            while (sizes[c] < q << QUANTUM_SHIFT) {
                c++;
            }
            classByQuanta[q] = (byte) c;
        }
        long span = Math.max(PageHeap.PAGE, Long.highestOneBit(config.capacityBytesPerClass() - 1) << 1);
        this.spanShift = Long.numberOfTrailingZeros(span);
        this.classBytes = span * sizes.length;
        long largeBytes = 2 * ((config.maxMemory() + PageHeap.PAGE - 1) & -PageHeap.PAGE);
        this.space = Region.reserve(classBytes + largeBytes);
        this.base = space.address();
        this.budget = new MemoryBudget(config.maxMemory());
        this.large = new PageHeap(space.slice(classBytes, largeBytes), budget);
        this.classes = new SlabAllocator[sizes.length];
        try {
            for (int i = 0; i < sizes.length; i++) {
                classes[i] = SlabAllocator.createIn(config.classConfig(i), space.slice(i * span, span), budget);
            }
        } catch (RuntimeException | Error e) {
            for (SlabAllocator made : classes) {
                if (made != null) {
                    made.close();
                }
            }
            space.unmap();
            throw e;
        }
        List<IndexPool> pools = new ArrayList<>();
        List<Trimmer> trimmers = new ArrayList<>();
        int[] reserves = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            pools.add(classes[i].pool());
            trimmers.add(classes[i].trimmer());
            reserves[i] = config.reserveSlots(i);
        }
        this.handBack = new HandBack(pools, trimmers, reserves, Math.max(1, config.handBackAfter().toNanos()));
        MaintenanceRunner runner = config.handBackRunner();
        boolean background = !config.handBackAfter().isZero();
        this.maintenanceAgent = background && runner.isApplication() ? new MaintenanceAgent(handBack, this::isClosed)
            : null;
        this.handBackRunner = background && !runner.isApplication()
            ? handBack.start(runner.threadFactory().orElse(null), runner.errorHandler().orElse(null)) : null;
    }

    /**
     * Reserves the address space and makes one slab allocator per class.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     * @throws OutOfMemoryError when the address space cannot be reserved
     */
    public static SizeClassAllocator create(SizeClassConfig config) {
        SizeClassAllocator allocator = new SizeClassAllocator(Objects.requireNonNull(config, "config"));
        SlabAllocator.logBuilt("SizeClassAllocator", allocator.mode(), config);
        return allocator;
    }

    /** The configuration this allocator was made from. */
    public SizeClassConfig config() {
        return config;
    }

    /** The mode every class runs in. */
    public Mode mode() {
        return classes[0].mode();
    }

    /** Number of size classes. */
    public int classCount() {
        return sizes.length;
    }

    /** Size of class {@code i} in bytes. */
    public int classSize(int i) {
        return sizes[i];
    }

    /** The largest class size; larger requests are served as large blocks (whole pages). */
    public int maxSize() {
        return maxSize;
    }

    /**
     * Index of the class that serves {@code size} bytes: the smallest class of at least that size.
     *
     * @throws IllegalArgumentException when {@code size < 1} or {@code size > maxSize()}
     */
    public int classOf(int size) {
        if (size < 1 || size > maxSize) {
            throw new IllegalArgumentException("size " + size + " must be in [1, " + maxSize
                + "]: larger blocks are not served by size classes (map them directly, or configure a larger class)");
        }
        return classByQuanta[(size + (1 << QUANTUM_SHIFT) - 1) >>> QUANTUM_SHIFT];
    }

    /**
     * A block of at least {@code size} bytes, or {@code 0} when none can be had: up to
     * {@link #maxSize()} exactly {@code classSize(classOf(size))} bytes from that class (0 when it
     * is exhausted), above it whole pages from the large heap (0 when the budget is spent or no
     * free run fits).
     *
     * @throws IllegalArgumentException when {@code size < 1} or {@code size > MAX_BLOCK_SIZE}
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after free
     */
    public long tryAllocate(int size) {
        if (size > maxSize) {
            return tryAllocateLarge(size);
        }
        return classes[classOf(size)].tryAllocate();
    }

    /**
     * A block of at least {@code size} bytes (see {@link #tryAllocate(int)}).
     *
     * @throws PoolExhaustedException when none can be had; the message says why
     * @throws IllegalArgumentException when {@code size < 1} or {@code size > MAX_BLOCK_SIZE}
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after free
     */
    public long allocate(int size) {
        if (size > maxSize) {
            long address = tryAllocateLarge(size);
            if (address == 0) {
                throw new PoolExhaustedException("no large block of " + size + " bytes: " + large.lastRefusal()
                    + " (committed " + budget.committedBytes() + " of " + budget.limitBytes() + " bytes)");
            }
            return address;
        }
        return classes[classOf(size)].allocate();
    }

    private long tryAllocateLarge(int size) {
        if (size > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("size " + size + " must be at most " + MAX_BLOCK_SIZE);
        }
        classes[0].pool().ensureOpen();
        return large.allocate(size);
    }

    /**
     * Returns a block to its class, found from the address alone.
     *
     * @throws IllegalArgumentException when {@code address} is not a block handed out by this
     *     allocator (outside the address space, off a slot boundary, never handed out; in debug
     *     mode also already free)
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long address) {
        long offset = address - base;
        if (Long.compareUnsigned(offset, classBytes) < 0) {
            classes[(int) (offset >>> spanShift)].free(address);
            return;
        }
        if (!large.contains(address)) {
            throw outside(address);
        }
        classes[0].pool().ensureOpen();
        large.free(address);
    }

    /**
     * The usable size of the block at {@code address}: its class size, or a large block's pages.
     *
     * @throws IllegalArgumentException when {@code address} is outside this allocator's address
     *     space, or in the large range but not a large block in use
     */
    public int usableSize(long address) {
        if (isLarge(address)) {
            return (int) large.sizeOf(address);
        }
        return sizes[classIndexOf(address)];
    }

    /**
     * A direct {@link ByteBuffer} over the block at {@code address}: capacity
     * {@code usableSize(address)}, position 0, big-endian. Each call makes a new view (one native
     * call); views share the block's memory, are valid while the block is allocated, and must not
     * be touched after {@link #close()} (the memory is unmapped). Needs no JVM flag on any JDK.
     *
     * @throws IllegalArgumentException when {@code address} is outside this allocator's address
     *     space, not the start of a block, or a block never handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuffer view(long address) {
        if (isLarge(address)) {
            classes[0].pool().ensureOpen();
            return space.view(address, (int) large.sizeOf(address)).order(java.nio.ByteOrder.BIG_ENDIAN);
        }
        return classes[classIndexOf(address)].slotView(address);
    }

    /**
     * A snapshot of class {@code i}'s counters.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats(int i) {
        return classes[i].stats();
    }

    /** The memory budget, in bytes ({@link SizeClassConfig#maxMemory()}). */
    public long maxMemory() {
        return budget.limitBytes();
    }

    /**
     * Bytes committed now by every class and the large heap together: what the budget counts
     * (whole chunks; the memory resident is at most this).
     */
    public long committedBytes() {
        return budget.committedBytes();
    }

    /** Bytes of large blocks in use (whole pages). */
    public long largeBytes() {
        return large.inUseBytes();
    }

    /** Large blocks in use. */
    public int largeBlocks() {
        return large.blocks();
    }

    /**
     * Hands back, in every class, the chunks whose slots are all free in its depot (after
     * {@link #drain()}, every chunk with no block in use), as the hand-back thread does with what a
     * class did not need. Returns the resident bytes released; 0 in debug mode.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public long trim() {
        long released = 0;
        for (SlabAllocator c : classes) {
            released += c.trim();
        }
        return released;
    }

    /**
     * Ends a hand-back window now, on the calling thread (see the class comment): for an application
     * that runs no hand-back thread ({@code handBackAfter} zero) and wants the same policy on its own
     * schedule, and for tests.
     */
    public void endHandBackWindow() {
        handBack.endWindowNow();
    }

    /**
     * The hand-back as an Agrona agent for the application's duty cycle, when
     * {@link SizeClassConfig.Builder#handBackRunner} is {@link MaintenanceRunner#application()}: this
     * allocator then started no thread, and it hands back nothing in the background unless the
     * application runs this agent, which ends a window each {@link SizeClassConfig#handBackAfter()}
     * (see {@link MaintenanceAgent} for the duty cycle and for close). The same agent on every call.
     *
     * @throws IllegalStateException when the hand-back is off ({@code handBackAfter} zero) or runs on its own thread
     */
    public MaintenanceAgent maintenanceAgent() {
        if (maintenanceAgent == null) {
            throw new IllegalStateException(config.handBackAfter().isZero()
                ? "this allocator hands back nothing in the background (handBackAfter is zero)"
                : "this allocator's hand-back runs on its own thread; SizeClassConfig.Builder.handBackRunner("
                    + "MaintenanceRunner.application()) hands it to the application instead");
        }
        return maintenanceAgent;
    }

    /** Bytes handed out and not freed, over all classes and large blocks (a racy sum of exact per-class snapshots). */
    public long inUseBytes() {
        long bytes = large.inUseBytes();
        for (int i = 0; i < classes.length; i++) {
            bytes += classes[i].stats().inUse() * sizes[i];
        }
        return bytes;
    }

    /** {@link SlabAllocator#drain()} on every class; returns the slots moved. */
    public long drain() {
        long moved = 0;
        for (SlabAllocator c : classes) {
            moved += c.drain();
        }
        return moved;
    }

    /**
     * Closes every class (in debug mode each hands its leaks to the leak
     * handler), then unmaps the address space. Idempotent. An exception
     * from a leak handler propagates after every class is closed and the
     * address space unmapped.
     */
    @Override
    public void close() {
        synchronized (classes) {
            if (closed) {
                return;
            }
            closed = true;
            if (handBackRunner != null) {
                handBackRunner.close();
            }
            RuntimeException first = null;
            for (SlabAllocator c : classes) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            // The large heap first refuses every later allocate and free: none may touch the range once unmapped.
            large.close();
            space.unmap();
            if (first != null) {
                throw first;
            }
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return classes[0].isClosed();
    }

    private boolean isLarge(long address) {
        return Long.compareUnsigned(address - base, classBytes) >= 0 && large.contains(address);
    }

    private int classIndexOf(long address) {
        long offset = address - base;
        if (Long.compareUnsigned(offset, classBytes) >= 0) {
            throw outside(address);
        }
        return (int) (offset >>> spanShift);
    }

    private IllegalArgumentException outside(long address) {
        return new IllegalArgumentException(String.format(
            "address 0x%x is not in this allocator's size classes [0x%x, 0x%x) nor a large block", address, base,
            base + classBytes));
    }

    /** This allocator's {@link ClassBlocks}: its classes' slots by index. */
    private final class Blocks implements ClassBlocks {
        @Override
        public SizeClassAllocator allocator() {
            return SizeClassAllocator.this;
        }

        @Override
        public int blocks(int sizeClass) {
            return classes[sizeClass].config().slots();
        }

        @Override
        public int tryTake(int sizeClass) {
            return classes[sizeClass].tryTake();
        }

        @Override
        public void giveBack(int sizeClass, int block) {
            classes[sizeClass].giveBack(block);
        }

        @Override
        public long address(int sizeClass, int block) {
            return classes[Objects.checkIndex(sizeClass, classes.length)].slotAddressAhead(block);
        }

        @Override
        public ByteBuffer viewAhead(int sizeClass, int block) {
            return classes[Objects.checkIndex(sizeClass, classes.length)].slotViewAhead(block);
        }

        @Override
        public long reportLeaks() {
            long reported = 0;
            for (SlabAllocator c : classes) {
                if (c.isDebug()) {
                    LeakReport report = c.leaks();
                    if (report.count() > 0) {
                        reported += report.count();
                        c.config().options().leakHandler().accept(report);
                    }
                }
            }
            return reported;
        }
    }
}
