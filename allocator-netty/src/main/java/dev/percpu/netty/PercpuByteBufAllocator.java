package dev.percpu.netty;

import dev.percpu.MaintenanceAgent;
import dev.percpu.PoolExhaustedException;
import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.Sizes;
import dev.percpu.SlabStats;
import dev.percpu.blocks.ClassBlocks;
import dev.percpu.blocks.ClassBlocksAccess;
import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

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
 * <p>Memory cap: {@link PercpuByteBufAllocatorBuilder#maxMemory(long)} is one budget for the
 * memory every size class and the large path commit together (see
 * {@link SizeClassAllocator}): any class may grow until the total reaches
 * it, so the allocator fails only where its whole budget is in use. When a
 * request finds its class unable to grow, it tries the next larger classes'
 * free blocks, then the large path; only when all fail does it throw
 * {@link PoolExhaustedException} naming the cap.
 *
 * <p>Hand-back: memory the allocator did not need for a window
 * ({@link PercpuByteBufAllocatorBuilder#handBackAfter(Duration)}, 2 s by default) goes back to the
 * kernel and the budget, on one maintenance thread per allocator (or in the application's duty
 * cycle: {@link PercpuByteBufAllocatorBuilder#handBackRunner handBackRunner}); large
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
 * {@link PercpuByteBuf}); the protocol is {@code Closing}'s.
 *
 * <p>Event loops: on a {@code FastThreadLocalThread} (Netty's event-loop
 * threads) allocation and release first use that thread's small front cache
 * of idle buffers, bounded per class ({@link #eventLoopCacheBoundBytes()});
 * every other thread goes straight to the per-CPU freelists.
 *
 * <p>Leak detection: buffers are wrapped by Netty's
 * {@code ResourceLeakDetector} exactly as Netty's own allocators do
 * ({@code toLeakAwareBuffer}); percpu's debug mode (poisoned free blocks,
 * a report of the buffers still alive at close) is {@link PercpuByteBufAllocatorBuilder#debug(boolean)}.
 */
public final class PercpuByteBufAllocator extends AbstractByteBufAllocator
        implements ByteBufAllocatorMetricProvider, AutoCloseable {

    /** Smallest capacity {@link #calculateNewCapacity} grows to, as in Netty. */
    static final int SMALLEST_GROWTH = 64;

    /** Smallest cap {@link #DEFAULT} gets when the property is unset: 256 MiB. */
    public static final long MIN_DEFAULT_MAX_MEMORY = 256L << 20;
    /** Classes above {@link SizeClassConfig#defaultClassSizes()}' largest, up to 1 MiB (before {@link #DEFAULT}: static order). */
    private static final int[] LARGER_CLASSES = {128 << 10, 256 << 10, 512 << 10, 1 << 20};

    /**
     * The shared allocator: default classes, cap from {@value PercpuProperties#NETTY_MAX_MEMORY}
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
    private final ClassBlocks blocks;
    private final BlockWrappers wrappers;
    private final LargeBuffers large;
    private final EventLoopCaches caches;
    private final Closing closing;
    private final int maxPooled;
    private final long maxMemory;
    private final boolean shared;
    private final PercpuByteBufAllocatorMetric metric;
    private final AtomicLong fallbacks = new AtomicLong();
    final LongAdder heapBytes = new LongAdder();
    private final Object closeListenersLock = new Object();
    /** Listeners {@link #close()} runs once ({@link #onClose(Runnable)}); null once taken to run. Guarded by closeListenersLock. */
    private List<Runnable> closeListeners = new ArrayList<>();

    PercpuByteBufAllocator(PercpuByteBufAllocatorBuilder b, boolean shared) {
        super(true);
        SizeClassConfig config = b.sizeClassConfig();
        this.maxMemory = config.maxMemory();
        this.shared = shared;
        this.unavailable = null;
        this.classes = SizeClassAllocator.create(config);
        this.blocks = ClassBlocksAccess.of(classes);
        this.maxPooled = classes.maxSize();
        this.wrappers = new BlockWrappers(this, blocks);
        this.large = new LargeBuffers(this, classes);
        int[] sizes = config.classSizes();
        this.caches = new EventLoopCaches(this, sizes, b.eventLoopCacheCapacities(config),
            config.handBackAfter().toNanos());
        this.closing = new Closing(blocks, caches);
        this.metric = new PercpuByteBufAllocatorMetric(this);
    }

    /** {@link #DEFAULT} where percpu cannot serve: no size classes, every allocation throws. */
    private PercpuByteBufAllocator(Throwable unavailable) {
        super(true);
        this.unavailable = unavailable;
        this.maxMemory = 0;
        this.shared = true;
        this.classes = null;
        this.blocks = null;
        this.wrappers = null;
        this.large = null;
        this.caches = null;
        this.closing = null;
        this.maxPooled = -1;
        this.metric = new PercpuByteBufAllocatorMetric(this);
    }

    private static PercpuByteBufAllocator defaultAllocator() {
        Throwable cause = PercpuRuntime.unavailabilityCause();
        if (cause == null) {
            try {
                return new PercpuByteBufAllocator(builder().maxMemory(defaultMaxMemory()), true);
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

    /** A builder with the defaults (see {@link PercpuByteBufAllocatorBuilder}). */
    public static PercpuByteBufAllocatorBuilder builder() {
        return new PercpuByteBufAllocatorBuilder();
    }

    /** The default class sizes: {@link SizeClassConfig#defaultClassSizes()} (16 B to 64 KiB) then 128, 256, 512 KiB and 1 MiB. */
    public static int[] defaultClassSizes() {
        int[] base = SizeClassConfig.defaultClassSizes();
        int[] sizes = Arrays.copyOf(base, base.length + LARGER_CLASSES.length);
        System.arraycopy(LARGER_CLASSES, 0, sizes, base.length, LARGER_CLASSES.length);
        return sizes;
    }

    private static long defaultMaxMemory() {
        String value = PercpuProperties.property(PercpuProperties.NETTY_MAX_MEMORY);
        if (value != null) {
            return Sizes.parse(PercpuProperties.NETTY_MAX_MEMORY, value);
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
     * The capacity a buffer grows to (at most {@code maxCapacity}): up to the largest class, the
     * smallest class size that holds the next power of two of {@code minNewCapacity} (at least
     * {@value #SMALLEST_GROWTH}), Netty's doubling; above it, Netty's doubling rounded up to whole pages.
     * Doubling keeps the number of moves of a growing buffer to Netty's: growing through each finer
     * class on the way would copy the contents more often (seven moves instead of five from 256 B to
     * 16 KiB in 1 KiB writes). An explicit {@code capacity(n)} takes the class of {@code n} itself.
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
            int doubled = minNewCapacity <= SMALLEST_GROWTH
                ? SMALLEST_GROWTH : Integer.highestOneBit(minNewCapacity - 1) << 1;
            int target = Math.max(minNewCapacity, Math.min(doubled, maxPooled));
            return Math.min(classes.classSize(classes.classOf(target)), maxCapacity);
        }
        long grown = super.calculateNewCapacity(minNewCapacity, maxCapacity);
        long pages = (grown + SizeClassConfig.PAGE_SIZE - 1) & -SizeClassConfig.PAGE_SIZE;
        return (int) Math.min(pages, maxCapacity);
    }

    /**
     * A buffer object holding a block of at least {@code size} bytes; not yet initialised as a buffer.
     * The class is found once; the block comes by index from the calling event loop's front cache, else
     * from the class's per-CPU freelist, and its object from the class's table.
     */
    private PercpuByteBuf acquire(int size) {
        requireAvailable();
        if (size > maxPooled) {
            return acquireLarge(size);
        }
        int sizeClass = classes.classOf(Math.max(size, 1));
        EventLoopCache cache = caches.current();
        if (cache != null) {
            PercpuByteBuf cached = cache.poll(sizeClass);
            if (cached != null) {
                if (closing.isClosed()) {
                    giveBackPooled(cached);
                    throw refusedAfterClose();
                }
                cached.releaseTo(cache);
                return cached;
            }
        }
        int block = tryTake(sizeClass);
        PercpuByteBuf buffer = block < 0 ? acquireFallback(sizeClass, size) : wrap(sizeClass, block);
        buffer.releaseTo(cache);
        return buffer;
    }

    /** A block of class {@code sizeClass}, or -1; after close, {@link IllegalStateException} as every allocation. */
    private int tryTake(int sizeClass) {
        try {
            return blocks.tryTake(sizeClass);
        } catch (IllegalStateException unmapped) {
            if (closing.isClosed()) {
                throw closedException();
            }
            throw unmapped;
        }
    }

    /** The object of block {@code block} of class {@code sizeClass}, just taken; gives it back if the allocator closed meanwhile. */
    private PercpuByteBuf wrap(int sizeClass, int block) {
        if (closing.isClosed()) {
            blocks.giveBack(sizeClass, block);
            throw refusedAfterClose();
        }
        return wrappers.take(sizeClass, block);
    }

    /** Class {@code sizeClass} is exhausted: the next larger classes, then the large path. */
    private PercpuByteBuf acquireFallback(int sizeClass, int size) {
        fallbacks.incrementAndGet();
        for (int c = sizeClass + 1; c < classes.classCount(); c++) {
            int block = tryTake(c);
            if (block >= 0) {
                NettyEvents.fallback(size, classes.classSize(sizeClass), classes.classSize(c));
                return wrap(c, block);
            }
        }
        NettyEvents.fallback(size, classes.classSize(sizeClass), 0);
        return acquireLarge(size);
    }

    /** A large block (whole pages, above the largest class, or where every class that fits is exhausted). */
    private PercpuByteBuf acquireLarge(int size) {
        if (closing.isClosed()) {
            throw closedException();
        }
        PercpuByteBuf buffer = large.acquire(size);
        if (closing.isClosed()) {
            large.release(buffer);
            throw refusedAfterClose();
        }
        return buffer;
    }

    /** Whether {@code buffer} can take capacity {@code newCapacity} without moving to another block. */
    boolean fitsInPlace(PercpuByteBuf buffer, int newCapacity) {
        if (newCapacity > buffer.blockBytes()) {
            return false;
        }
        if (newCapacity >= buffer.capacity()) {
            return true;
        }
        if (buffer.isLarge()) {
            return newCapacity > maxPooled && newCapacity > buffer.blockBytes() / 2;
        }
        return classes.classOf(Math.max(newCapacity, 1)) == buffer.sizeClass();
    }

    /**
     * Moves {@code buffer} to a block for {@code newCapacity}, copying its first {@code copyBytes}
     * bytes; the old block (with the idle object it swapped in) goes back.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    void move(PercpuByteBuf buffer, int newCapacity, int copyBytes) {
        PercpuByteBuf target = acquire(newCapacity);
        target.copyFrom(buffer, copyBytes);
        buffer.swapBlock(target);
        release(target);
    }

    /**
     * The last release of {@code buffer} (from any thread): a pooled block goes to the calling event
     * loop's front cache while it has room, else back to its class; a large block goes back at once.
     */
    void release(PercpuByteBuf buffer) {
        if (buffer.isLarge()) {
            large.release(buffer);
        } else {
            EventLoopCache cache = buffer.cacheToReleaseTo();
            if (cache == null || cache.owner() != Thread.currentThread()) {
                cache = caches.current();
            }
            if (cache != null && !closing.isClosed() && cache.offer(buffer)) {
                return;
            }
            giveBackPooled(buffer);
        }
        if (closing.isClosed()) {
            settleAfterClose();
        }
    }

    /** After close: unmaps the memory if no block is in use any more (a front cache emptied). */
    void unmapIfClosedAndIdle() {
        if (closing.isClosed()) {
            closing.unmapIfIdle();
        }
    }

    /** Returns a pooled block with {@code buffer} as its idle object. */
    void giveBackPooled(PercpuByteBuf buffer) {
        wrappers.put(buffer);
        blocks.giveBack(buffer.sizeClass(), buffer.block());
    }

    /**
     * Stops new allocations; the allocator's memory is unmapped now if no buffer is alive, else by
     * the release of the last one (and once every event loop's front cache has emptied: see
     * {@link #eventLoopCacheBoundBytes()}).
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
        closing.close();
        List<Runnable> listeners;
        synchronized (closeListenersLock) {
            listeners = closeListeners;
            closeListeners = null;
        }
        if (listeners != null) {
            runCloseListeners(listeners);
        }
    }

    /**
     * Registers {@code listener} to run once, on the thread that first calls {@link #close()}, after
     * the allocator is closed (new allocations already throw); at once, on the calling thread, if it
     * is closed already. Listeners run in registration order; one that throws does not stop the
     * others, and its exception reaches the caller of {@code close()} (later ones suppressed in it).
     * On {@link #DEFAULT}, which is never closed, a listener never runs. percpu-metrics uses this
     * to unregister an allocator's MBean.
     *
     * @throws NullPointerException if {@code listener} is null
     */
    public void onClose(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (closeListenersLock) {
            if (closeListeners != null) {
                closeListeners.add(listener);
                return;
            }
        }
        listener.run();
    }

    private static void runCloseListeners(List<Runnable> listeners) {
        RuntimeException first = null;
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Whether {@link #close()} was called (live buffers may still hold memory: see {@link #isUnmapped()}). */
    public boolean isClosed() {
        return closing != null && closing.isClosed();
    }

    /** Whether the allocator's memory was unmapped: closed and every buffer released. */
    public boolean isUnmapped() {
        return closing == null || closing.isUnmapped();
    }

    /** After close: empties this thread's front cache and unmaps the memory if no block is in use any more. */
    private void settleAfterClose() {
        caches.emptyCurrent();
        closing.unmapIfIdle();
    }

    /** An allocation that gave its block back after close: {@link #settleAfterClose()}, then the exception to throw. */
    private IllegalStateException refusedAfterClose() {
        settleAfterClose();
        return closedException();
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
        return closing == null ? 0 : closing.whileMapped(SizeClassAllocator::committedBytes);
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
     * Bytes handed out and not released, size-class blocks at their class size (not the requested
     * capacities) and large blocks in whole pages ({@link #largeBytes()} is the large part); blocks
     * held in event-loop front caches count as handed out.
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
        return closing == null ? 0 : closing.whileMapped(c -> c.committedBytes() - c.largeBytes());
    }

    /**
     * The most the per-CPU caches can hold over all classes and CPUs, in bytes: the bound on memory
     * cached for reuse that does not grow with threads.
     */
    public long perCpuCacheBoundBytes() {
        return closing == null ? 0 : closing.whileMapped(c -> {
            long bytes = 0;
            for (int i = 0; i < c.classCount(); i++) {
                bytes += c.stats(i).capacityOnCpus() * c.classSize(i);
            }
            return bytes;
        });
    }

    /**
     * Buffer objects made so far for the size classes' blocks, one per block used or wrapped ahead
     * (see {@link PercpuByteBuf}); each takes about 160 bytes of heap with its view. It grows only
     * when a block without one is used, which a warm allocator does not do.
     */
    public long bufferObjects() {
        return wrappers == null ? 0 : wrappers.made();
    }

    /**
     * The most one event-loop thread's front cache holds, in bytes (0 when front caches are off):
     * each {@code FastThreadLocalThread} that allocates or releases keeps up to this much of idle
     * buffers for itself, so the memory cached this way is at most this times the event-loop threads.
     * The cache empties when its thread was idle for a hand-back window (threads of a Netty event
     * executor), when the thread ends, and after {@link #close()} at the thread's next use.
     */
    public long eventLoopCacheBoundBytes() {
        return caches == null ? 0 : caches.boundBytesPerThread();
    }

    /**
     * Empties the calling thread's front cache into the per-CPU freelists (as Netty's pooled
     * allocator's method of that name does with its thread cache).
     *
     * @return whether the calling thread had a front cache
     */
    public boolean trimCurrentThreadCache() {
        return caches != null && caches.emptyCurrent();
    }

    /** Event-loop threads with a front cache now. */
    public int eventLoopCaches() {
        return caches == null ? 0 : caches.caches();
    }

    /** Bytes held by large-path buffers now (whole pages). */
    public long largeBytes() {
        return closing == null ? 0 : closing.whileMapped(SizeClassAllocator::largeBytes);
    }

    /** Large-path buffers alive now. */
    public long largeBuffers() {
        return closing == null ? 0 : closing.whileMapped(SizeClassAllocator::largeBlocks);
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

    /**
     * The hand-back as an Agrona agent for the application's duty cycle, when the builder's
     * {@link PercpuByteBufAllocatorBuilder#handBackRunner handBackRunner} is
     * {@link dev.percpu.MaintenanceRunner#application()} ({@link SizeClassAllocator#maintenanceAgent()}).
     * Once this allocator is closed the agent does nothing.
     *
     * @throws IllegalStateException when the hand-back is off ({@code handBackAfter} zero) or runs on its own thread
     * @throws UnsupportedOperationException for {@link #DEFAULT} where percpu cannot serve
     */
    public MaintenanceAgent maintenanceAgent() {
        requireAvailable();
        return classes.maintenanceAgent();
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
            + maxMemory + (isClosed() ? ", closed" : "") + "]";
    }

}
