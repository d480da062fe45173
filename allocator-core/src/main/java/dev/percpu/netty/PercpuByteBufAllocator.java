package dev.percpu.netty;

import dev.percpu.events.SlowPathEvents;
import dev.percpu.LeakReport;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import dev.percpu.PoolExhaustedException;
import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.SlabStats;
import dev.percpu.Sizes;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A Netty {@link io.netty.buffer.ByteBufAllocator} whose direct buffers are
 * blocks of a percpu {@link SizeClassAllocator}: per-CPU freelists, so the
 * memory it caches is bounded by CPUs x classes x per-CPU capacity whatever
 * the number of threads (platform or virtual). Use it with one line:
 * <pre>
 *   bootstrap.childOption(ChannelOption.ALLOCATOR, PercpuByteBufAllocator.DEFAULT);
 * </pre>
 *
 * <p>Where each request goes:
 * <ul>
 *   <li>{@code buffer()}, {@code ioBuffer()} and {@code directBuffer()}: a
 *       {@link PercpuByteBuf} over a block of the smallest class that holds
 *       the initial capacity (at least 1 byte), whatever Netty's own
 *       Unsafe/cleaner detection says; {@link #isDirectBufferPooled()} is true.
 *       When that class is exhausted the next larger classes are tried, then
 *       the large path; each such fallback is counted
 *       ({@link #fallbacks()}) and emits flight recorder event
 *       {@code dev.percpu.NettyFallback}.</li>
 *   <li>Capacities above the largest class (1 MiB by default): the large
 *       path, a run of whole pages from the allocator's large-block heap (no
 *       mapping per buffer), handed back to the kernel at the last release;
 *       counted in {@link #largeBytes()}, event {@code dev.percpu.NettyLarge}.</li>
 *   <li>{@code heapBuffer()}: Netty's unpooled heap buffer, counted in
 *       {@link PercpuByteBufAllocatorMetric#usedHeapMemory()};
 *       {@code compositeBuffer()}: Netty's {@code CompositeByteBuf}, whose
 *       components come from this allocator.</li>
 * </ul>
 *
 * <p>Memory cap: {@link Builder#maxMemory(long)} is one budget for the
 * memory every size class and the large path commit together (see
 * {@link SizeClassAllocator}): any class may grow until the total reaches
 * it, so the allocator fails only where its whole budget is in use. When a
 * request finds its class unable to grow, it tries the next larger classes'
 * free blocks, then the large path; only when all fail does it throw
 * {@link PoolExhaustedException} naming the cap.
 *
 * <p>Hand-back: memory the allocator did not need for a window
 * ({@link Builder#handBackAfter(Duration)}, 2 s by default) goes back to the
 * kernel and the budget, on one maintenance thread per allocator; large
 * buffers give theirs back at their last release.
 *
 * <p>Growth: {@link #calculateNewCapacity(int, int)} returns the smallest
 * class size that holds the request (so a grown buffer fills its block), and
 * a buffer writes into its block's slack without moving
 * ({@link PercpuByteBuf#maxFastWritableBytes()}).
 *
 * <p>Closing ({@link #close()}; {@link #DEFAULT} is never closed): new
 * allocations throw {@link IllegalStateException} at once; buffers still
 * alive keep working (they cannot move to another block) and the size-class
 * memory is unmapped when the last of them is released, so no buffer can
 * touch unmapped memory (an NIO view kept past its buffer's release can: see
 * {@link PercpuByteBuf}). An allocation racing with close either completes
 * before it (and its buffer is one of the live ones) or gives its block back
 * and throws: it checks the closed flag before taking a block and again
 * after, and close sets the flag before it counts the blocks in use.
 *
 * <p>Leak detection: buffers are wrapped by Netty's
 * {@code ResourceLeakDetector} exactly as Netty's own allocators do
 * ({@code toLeakAwareBuffer}); percpu's debug mode (poisoned free blocks,
 * a report of the buffers still alive at close) is {@link Builder#debug(boolean)}.
 */
public final class PercpuByteBufAllocator extends AbstractByteBufAllocator
        implements ByteBufAllocatorMetricProvider, AutoCloseable {

    /** System property: {@link #DEFAULT}'s memory cap, a size such as {@code 2g} (default: the JVM's direct memory limit, at least {@link #MIN_DEFAULT_MAX_MEMORY}). */
    public static final String MAX_MEMORY_PROPERTY = "percpu.netty.maxMemory";
    /** Smallest cap {@link #DEFAULT} gets when the property is unset: 256 MiB. */
    public static final long MIN_DEFAULT_MAX_MEMORY = 256L << 20;
    /** Classes above {@link SizeClassConfig#defaultClassSizes()}' largest, up to 1 MiB (before {@link #DEFAULT}: static order). */
    private static final int[] LARGER_CLASSES = {128 << 10, 256 << 10, 512 << 10, 1 << 20};

    /**
     * The shared allocator: default classes, cap from {@value #MAX_MEMORY_PROPERTY}
     * (else the JVM's direct memory limit, {@code -XX:MaxDirectMemorySize} or by default the max
     * heap size, as Netty reads it, and at least {@link #MIN_DEFAULT_MAX_MEMORY}), mode from
     * {@code percpu.mode}.
     * Never closed: {@link #close()} on it throws.
     *
     * <p>Where percpu is not available ({@link PercpuRuntime#isAvailable()}), or this allocator cannot be
     * built from the system properties, the field still holds an allocator, and initialising this class
     * never fails: then every allocation from it, and every query of its size classes, throws an
     * {@link UnsupportedOperationException} naming the cause. {@link PercpuOrNettyDefault#allocator()} takes
     * Netty's default allocator instead there.
     */
    public static final PercpuByteBufAllocator DEFAULT = defaultAllocator();

    private final SizeClassAllocator classes;
    /** Why this allocator serves nothing ({@link #DEFAULT} where percpu is unavailable), or null. */
    final Throwable unavailable;
    private final BufferTable[] tables;
    /**
     * Wrappers made at once when a block without one is used ({@link #wrapAhead}): the block's own and
     * the next ones up to this many, under the class table's lock. A class carves blocks in index
     * order, so the blocks below its high-water mark have wrappers once it has been reached, and
     * allocating and releasing then make no object; each step is bounded whatever the number of CPUs.
     * Heap cost: about 160 bytes per wrapper, for every block up to the high-water mark plus less than
     * one step, in each class used.
     */
    static final int WRAP_STEP = 64;
    private final int maxPooled;
    private final long maxMemory;
    private final boolean shared;
    private final PercpuByteBufAllocatorMetric metric;
    private final AtomicLong fallbacks = new AtomicLong();
    final LongAdder heapBytes = new LongAdder();
    private final Object closeLock = new Object();
    private volatile boolean closed;
    /** Whether the size classes were closed (under {@link #closeLock}). */
    private boolean unmapped;

    private PercpuByteBufAllocator(Builder b, boolean shared) {
        super(true);
        this.maxMemory = b.maxMemory;
        this.shared = shared;
        this.unavailable = null;
        this.classes = SizeClassAllocator.create(b.sizeClassConfig());
        this.maxPooled = classes.maxSize();
        this.tables = new BufferTable[classes.classCount()];
        for (int i = 0; i < tables.length; i++) {
            tables[i] = new BufferTable(classes.stats(i).slots());
        }
        this.metric = new PercpuByteBufAllocatorMetric(this);
    }

    /** {@link #DEFAULT} where percpu cannot serve: no size classes, every allocation throws. */
    private PercpuByteBufAllocator(Throwable unavailable) {
        super(true);
        this.unavailable = unavailable;
        this.maxMemory = 0;
        this.shared = true;
        this.classes = null;
        this.maxPooled = -1;
        this.tables = new BufferTable[0];
        this.unmapped = true;
        this.metric = new PercpuByteBufAllocatorMetric(this);
    }

    private static PercpuByteBufAllocator defaultAllocator() {
        Throwable cause = PercpuRuntime.unavailabilityCause();
        if (cause == null) {
            try {
                return builder().maxMemory(defaultMaxMemory()).build(true);
            } catch (RuntimeException | LinkageError e) {
                cause = e;
            }
        }
        return new PercpuByteBufAllocator(cause);
    }

    /**
     * Returns when this allocator can serve.
     *
     * @throws UnsupportedOperationException naming why it cannot
     */
    private void requireAvailable() {
        if (unavailable != null) {
            throw new UnsupportedOperationException("PercpuByteBufAllocator.DEFAULT cannot serve in this JVM ("
                + unavailable + "); PercpuOrNettyDefault.allocator() takes Netty's default allocator here", unavailable);
        }
    }

    /** A builder with the defaults (see {@link Builder}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The default class sizes: {@link SizeClassConfig#defaultClassSizes()} (16 B to 64 KiB) then 128, 256, 512 KiB and 1 MiB. */
    public static int[] defaultClassSizes() {
        int[] base = SizeClassConfig.defaultClassSizes();
        int[] sizes = Arrays.copyOf(base, base.length + LARGER_CLASSES.length);
        System.arraycopy(LARGER_CLASSES, 0, sizes, base.length, LARGER_CLASSES.length);
        return sizes;
    }

    private static long defaultMaxMemory() {
        String value = System.getProperty(MAX_MEMORY_PROPERTY);
        if (value != null && !value.isBlank()) {
            return Sizes.parse(MAX_MEMORY_PROPERTY, value.trim());
        }
        return Math.max(MIN_DEFAULT_MAX_MEMORY, PlatformDependent.maxDirectMemory());
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    @Override
    public ByteBuf buffer() {
        return directBuffer();
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf ioBuffer() {
        return directBuffer();
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        PercpuByteBuf buffer = acquire(initialCapacity);
        buffer.init(initialCapacity, maxCapacity);
        return toLeakAwareBuffer(buffer);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        requireAvailable();
        return toLeakAwareBuffer(new CountedHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        requireAvailable();
        return super.compositeDirectBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
        requireAvailable();
        return super.compositeHeapBuffer(maxNumComponents);
    }

    /**
     * The smallest class size that holds {@code minNewCapacity} (at most {@code maxCapacity});
     * above the largest class, Netty's doubling rounded up to whole pages.
     *
     * @throws IllegalArgumentException when {@code minNewCapacity} is negative or above {@code maxCapacity}
     */
    @Override
    public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
        if (minNewCapacity < 0 || minNewCapacity > maxCapacity) {
            throw new IllegalArgumentException(String.format(
                "minNewCapacity: %d (expected: 0-maxCapacity(%d))", minNewCapacity, maxCapacity));
        }
        if (minNewCapacity <= maxPooled) {
            return Math.min(classes.classSize(classes.classOf(Math.max(minNewCapacity, 1))), maxCapacity);
        }
        long grown = super.calculateNewCapacity(minNewCapacity, maxCapacity);
        long pages = (grown + SizeClassConfig.PAGE_SIZE - 1) & -SizeClassConfig.PAGE_SIZE;
        return (int) Math.min(pages, maxCapacity);
    }

    /** A wrapper holding a block of at least {@code size} bytes; not yet initialised as a buffer. */
    private PercpuByteBuf acquire(int size) {
        requireAvailable();
        if (closed) {
            throw closedException();
        }
        if (size > maxPooled) {
            return acquireLarge(size);
        }
        int sizeClass = classes.classOf(Math.max(size, 1));
        long address = classes.tryAllocate(Math.max(size, 1));
        if (address == 0) {
            return acquireFallback(sizeClass, size);
        }
        return wrap(sizeClass, address);
    }

    /** The block's idle wrapper (made, with the block's view, ahead of the block's first use, or at it). */
    private PercpuByteBuf wrap(int sizeClass, long address) {
        if (closed) {
            giveBack(address);
            throw closedException();
        }
        int block = classes.blockIndex(address);
        PercpuByteBuf buffer = tables[sizeClass].take(block);
        return buffer != null ? buffer : wrapAhead(sizeClass, block);
    }

    /**
     * Block {@code block}'s first use, and no wrapper made for it yet: makes the wrappers (each with
     * its block's view) of every block from the first unwrapped one up to {@code block}, and up to
     * {@link #WRAP_STEP} blocks in all when that is fewer, and returns {@code block}'s.
     */
    private PercpuByteBuf wrapAhead(int sizeClass, int block) {
        BufferTable table = tables[sizeClass];
        synchronized (table) {
            int end = (int) Math.min(table.blocks(), Math.max(block + 1L, (long) table.wrapped() + WRAP_STEP));
            for (int b = table.wrapped(); b < end; b++) {
                PercpuByteBuf buffer = new PercpuByteBuf(this);
                buffer.sizeClass = sizeClass;
                buffer.block = b;
                buffer.address = classes.blockAddress(sizeClass, b);
                buffer.blockBytes = classes.classSize(sizeClass);
                buffer.view = classes.viewAhead(sizeClass, b);
                table.add(buffer);
            }
        }
        return table.take(block);
    }

    /** Class {@code sizeClass} is exhausted: the next larger classes, then the large path. */
    private PercpuByteBuf acquireFallback(int sizeClass, int size) {
        fallbacks.incrementAndGet();
        for (int c = sizeClass + 1; c < classes.classCount(); c++) {
            long address = classes.tryAllocate(classes.classSize(c));
            if (address != 0) {
                SlowPathEvents.nettyFallback(size, classes.classSize(sizeClass), classes.classSize(c));
                return wrap(c, address);
            }
        }
        SlowPathEvents.nettyFallback(size, classes.classSize(sizeClass), 0);
        return acquireLarge(size);
    }

    /** A large block (whole pages, above the largest class, or where every class that fits is exhausted). */
    private PercpuByteBuf acquireLarge(int size) {
        long address = classes.tryAllocate(Math.max(size, maxPooled + 1));
        if (address == 0) {
            throw new PoolExhaustedException(String.format(
                "memory cap reached: a buffer of %d bytes does not fit; %d of maxMemory %d bytes are committed "
                    + "(%d in use)", size, classes.committedBytes(), maxMemory, classes.inUseBytes()));
        }
        if (closed) {
            giveBack(address);
            throw closedException();
        }
        PercpuByteBuf buffer = new PercpuByteBuf(this);
        buffer.sizeClass = PercpuByteBuf.LARGE;
        buffer.address = address;
        buffer.blockBytes = classes.usableSize(address);
        buffer.view = classes.view(address);
        SlowPathEvents.nettyLarge(size, buffer.blockBytes, classes.largeBytes());
        return buffer;
    }

    /** Whether {@code buffer} can take capacity {@code newCapacity} without moving to another block. */
    boolean fitsInPlace(PercpuByteBuf buffer, int newCapacity) {
        if (newCapacity > buffer.blockBytes) {
            return false;
        }
        if (newCapacity >= buffer.capacity()) {
            return true;
        }
        if (buffer.isLarge()) {
            return newCapacity > maxPooled && newCapacity > buffer.blockBytes / 2;
        }
        return classes.classOf(Math.max(newCapacity, 1)) == buffer.sizeClass;
    }

    /**
     * Moves {@code buffer} to a block for {@code newCapacity}, copying its first {@code copyBytes}
     * bytes; the old block (with the idle wrapper it swapped in) goes back.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    void move(PercpuByteBuf buffer, int newCapacity, int copyBytes) {
        PercpuByteBuf target = acquire(newCapacity);
        target.view.put(0, buffer.view, 0, copyBytes);
        buffer.swapBlock(target);
        giveBack(target);
    }

    /** The last release of {@code buffer}: its block goes back (from any thread). */
    void release(PercpuByteBuf buffer) {
        giveBack(buffer);
        if (closed) {
            finishCloseIfIdle();
        }
    }

    /** Returns the block {@code holder} holds: a pooled one with {@code holder} as its idle wrapper. */
    private void giveBack(PercpuByteBuf holder) {
        long address = holder.address;
        if (holder.isLarge()) {
            classes.free(address);
            return;
        }
        tables[holder.sizeClass].put(holder.block, holder);
        classes.free(address);
    }

    /** Returns a block taken by an allocation that then found the allocator closed. */
    private void giveBack(long address) {
        try {
            classes.free(address);
        } catch (IllegalStateException alreadyUnmapped) {
            // close() finished in between: the block belongs to unmapped memory and nothing holds it.
            return;
        }
        finishCloseIfIdle();
    }

    /**
     * Stops new allocations; the allocator's memory is unmapped now if no buffer is alive, else by
     * the release of the last one.
     * In debug mode, pooled buffers still alive are reported to the leak handler first (with
     * their allocation sites where recorded). Idempotent.
     *
     * @throws UnsupportedOperationException on {@link #DEFAULT}, which is shared and never closed
     */
    @Override
    public void close() {
        if (shared) {
            throw new UnsupportedOperationException("PercpuByteBufAllocator.DEFAULT is shared and never closed");
        }
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (!unmapped && classes.inUseBytes() > 0) {
                classes.reportLeaks();
            }
        }
        finishCloseIfIdle();
    }

    /** Whether {@link #close()} was called (live buffers may still hold memory: see {@link #isUnmapped()}). */
    public boolean isClosed() {
        return closed;
    }

    /** Whether the allocator's memory was unmapped: closed and every buffer released. */
    public boolean isUnmapped() {
        synchronized (closeLock) {
            return unmapped;
        }
    }

    private void finishCloseIfIdle() {
        synchronized (closeLock) {
            if (unmapped || !closed) {
                return;
            }
            if (classes.inUseBytes() == 0) {
                unmapped = true;
                classes.close();
            }
        }
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("this PercpuByteBufAllocator is closed");
    }

    @Override
    public PercpuByteBufAllocatorMetric metric() {
        return metric;
    }

    /** The mode of the size classes: RSEQ or FALLBACK. */
    public Mode mode() {
        requireAvailable();
        return classes.mode();
    }

    /** The hard cap on off-heap memory, in bytes. */
    public long maxMemory() {
        return maxMemory;
    }

    /** Bytes one size class may hold at most: the whole cap, within the one budget. */
    public long bytesPerClass() {
        requireAvailable();
        return classes.config().capacityBytesPerClass();
    }

    /**
     * Bytes committed now, by the size classes and the large path together: what the cap bounds.
     * 0 once unmapped.
     */
    public long committedBytes() {
        synchronized (closeLock) {
            return unmapped ? 0 : classes.committedBytes();
        }
    }

    /** Number of size classes. */
    public int classCount() {
        requireAvailable();
        return classes.classCount();
    }

    /** Size of class {@code i} in bytes. */
    public int classSize(int i) {
        requireAvailable();
        return classes.classSize(i);
    }

    /** The largest class: larger capacities take the large path. */
    public int maxPooledCapacity() {
        return maxPooled;
    }

    /**
     * Counters of size class {@code i} (blocks in use, free per CPU and in the depot, ...).
     *
     * @throws IllegalStateException once the size classes are unmapped
     */
    public SlabStats classStats(int i) {
        requireAvailable();
        return classes.stats(i);
    }

    /**
     * Bytes of pooled blocks handed out and not released (class sizes, not requested capacities).
     *
     * @throws IllegalStateException once the size classes are unmapped
     */
    public long pooledInUseBytes() {
        requireAvailable();
        return classes.inUseBytes();
    }

    /**
     * Bytes of the size classes' memory committed now (in use, cached per CPU, or free in the
     * depots, in whole chunks; memory handed back is not counted). 0 once unmapped.
     */
    public long pooledCommittedBytes() {
        synchronized (closeLock) {
            return unmapped ? 0 : classes.committedBytes() - classes.largeBytes();
        }
    }

    /**
     * The most the per-CPU caches can hold over all classes and CPUs, in bytes: the bound on memory
     * cached for reuse that does not grow with threads.
     */
    public long perCpuCacheBoundBytes() {
        synchronized (closeLock) {
            if (unmapped) {
                return 0;
            }
            long bytes = 0;
            for (int i = 0; i < classes.classCount(); i++) {
                bytes += classes.stats(i).capacityOnCpus() * classes.classSize(i);
            }
            return bytes;
        }
    }

    /**
     * Buffer objects made so far for the size classes' blocks, one per block used or wrapped ahead
     * (see {@link PercpuByteBuf}); each takes about 160 bytes of heap with its view. It grows only
     * when a block without one is used, which a warm allocator does not do.
     */
    public long bufferObjects() {
        long made = 0;
        for (BufferTable table : tables) {
            made += table.wrapped();
        }
        return made;
    }

    /** Bytes held by large-path buffers now (whole pages). */
    public long largeBytes() {
        synchronized (closeLock) {
            return unmapped ? 0 : classes.largeBytes();
        }
    }

    /** Large-path buffers alive now. */
    public long largeBuffers() {
        synchronized (closeLock) {
            return unmapped ? 0 : classes.largeBlocks();
        }
    }

    /**
     * Hands back to the kernel and the budget every chunk of every class whose blocks are all free
     * in its depot, now ({@link SizeClassAllocator#trim()}); with {@link #drain()} first, every
     * chunk with no buffer alive. The background hand-back does this with what was not needed.
     *
     * @return the resident bytes released
     * @throws IllegalStateException once the allocator's memory is unmapped
     */
    public long trim() {
        requireAvailable();
        return classes.trim();
    }

    /** Ends a hand-back window now ({@link SizeClassAllocator#endHandBackWindow()}). */
    public void endHandBackWindow() {
        requireAvailable();
        classes.endHandBackWindow();
    }

    /** Allocations whose class was exhausted and that were served by a larger class or the large path (or failed). */
    public long fallbacks() {
        return fallbacks.get();
    }

    /**
     * Moves every block cached by a CPU to its class's depot ({@link SizeClassAllocator#drain()}).
     *
     * @throws IllegalStateException once the size classes are unmapped
     */
    public long drain() {
        requireAvailable();
        return classes.drain();
    }

    @Override
    public String toString() {
        if (unavailable != null) {
            return "PercpuByteBufAllocator[unavailable: " + unavailable + "]";
        }
        return "PercpuByteBufAllocator[" + classes.classCount() + " classes up to " + maxPooled + " B, maxMemory="
            + maxMemory + (closed ? ", closed" : "") + "]";
    }

    /**
     * Settings of a {@link PercpuByteBufAllocator}; {@link #build()} checks them. Not thread-safe.
     *
     * <table>
     *   <caption>Settings</caption>
     *   <tr><th>setting</th><th>default</th></tr>
     *   <tr><td>{@link #maxMemory(long)}</td><td>{@value #DEFAULT_MAX_MEMORY} bytes (1 GiB)</td></tr>
     *   <tr><td>{@link #handBackAfter(Duration)}</td><td>{@link SizeClassConfig#DEFAULT_HAND_BACK_AFTER}</td></tr>
     *   <tr><td>{@link #classSizes(int...)}</td><td>{@link PercpuByteBufAllocator#defaultClassSizes()}</td></tr>
     *   <tr><td>{@link #perCpuCacheBytes(int)}</td><td>{@link SizeClassConfig#DEFAULT_PER_CPU_CACHE_BYTES}</td></tr>
     *   <tr><td>mode, debug, debug stack traces, leak handler</td><td>as {@link SizeClassConfig}</td></tr>
     * </table>
     */
    public static final class Builder {
        /** Default cap of a built allocator: 1 GiB. */
        public static final long DEFAULT_MAX_MEMORY = 1L << 30;

        private long maxMemory = DEFAULT_MAX_MEMORY;
        private int[] classSizes = defaultClassSizes();
        private final SizeClassConfig.Builder config = SizeClassConfig.builder();

        private Builder() {
        }

        /** The hard cap on off-heap memory, pooled and large: one budget for every class and the large path. */
        public Builder maxMemory(long bytes) {
            this.maxMemory = bytes;
            return this;
        }

        /** The cap as a size with an optional k/m/g suffix ({@code "2g"}). */
        public Builder maxMemory(String size) {
            return maxMemory(Sizes.parse("maxMemory", size));
        }

        /** How long memory must go unused before it goes back (see {@link SizeClassConfig.Builder#handBackAfter(Duration)}). */
        public Builder handBackAfter(Duration window) {
            config.handBackAfter(window);
            return this;
        }

        /** The size classes (see {@link SizeClassConfig.Builder#classSizes(int...)}); the largest is the large-path threshold. */
        public Builder classSizes(int... sizes) {
            this.classSizes = sizes.clone();
            return this;
        }

        /** Bytes one CPU caches per class (see {@link SizeClassConfig.Builder#perCpuCacheBytes(int)}). */
        public Builder perCpuCacheBytes(int bytes) {
            config.perCpuCacheBytes(bytes);
            return this;
        }

        /** The mode (see {@link SizeClassConfig.Builder#mode(Mode)}); unset: the {@code percpu.mode} property, else AUTO. */
        public Builder mode(Mode mode) {
            config.mode(mode);
            return this;
        }

        /** percpu's debug mode underneath (double free, poison, leak report at close). */
        public Builder debug(boolean on) {
            config.debug(on);
            return this;
        }

        /** See {@link SizeClassConfig.Builder#debugStackTraces(int)}. */
        public Builder debugStackTraces(int everyNth) {
            config.debugStackTraces(everyNth);
            return this;
        }

        /** Where debug mode's report of the buffers alive at {@link #close()} goes (see {@link SizeClassConfig.Builder#leakHandler(Consumer)}). */
        public Builder leakHandler(Consumer<LeakReport> handler) {
            config.leakHandler(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * Checks the settings and makes the allocator.
         *
         * @throws IllegalArgumentException naming the first setting out of its limits, e.g. a cap too small
         *     to give every class room for one block of the largest class
         * @throws IllegalStateException when mode RSEQ is requested but unavailable
         */
        public PercpuByteBufAllocator build() {
            return build(false);
        }

        private PercpuByteBufAllocator build(boolean shared) {
            return new PercpuByteBufAllocator(this, shared);
        }

        SizeClassConfig sizeClassConfig() {
            return config.classSizes(classSizes).maxMemory(maxMemory).build();
        }
    }
}
