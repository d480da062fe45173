package dev.percpu.netty;

import dev.percpu.LeakReport;
import dev.percpu.MaintenanceRunner;
import dev.percpu.PoolOptions;
import dev.percpu.SizeClassConfig;
import dev.percpu.Sizes;
import dev.percpu.runtime.Mode;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Settings of a {@link PercpuByteBufAllocator}; {@link #build()} checks them. Not thread-safe.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th></tr>
 *   <tr><td>{@link #maxMemory(long)}</td><td>{@value #DEFAULT_MAX_MEMORY} bytes (1 GiB)</td></tr>
 *   <tr><td>{@link #handBackAfter(Duration)}</td><td>{@link SizeClassConfig#DEFAULT_HAND_BACK_AFTER}</td></tr>
 *   <tr><td>{@link #handBackRunner(MaintenanceRunner)}</td><td>{@link MaintenanceRunner#ownThread()}</td></tr>
 *   <tr><td>{@link #classSizes(int...)}</td><td>{@link PercpuByteBufAllocator#defaultClassSizes()}</td></tr>
 *   <tr><td>{@link #perCpuCacheBytes(int)}</td><td>{@link SizeClassConfig#DEFAULT_PER_CPU_CACHE_BYTES}</td></tr>
 *   <tr><td>{@link #eventLoopCacheBytes(int)}</td><td>{@value #DEFAULT_EVENT_LOOP_CACHE_BYTES}</td></tr>
 *   <tr><td>{@link #options(PoolOptions)}: mode, debug, debug stack traces, leak handler</td>
 *       <td>see {@link PoolOptions}</td></tr>
 * </table>
 *
 * <p>The settings every pool shares go to the {@link SizeClassConfig} underneath as one
 * {@link PoolOptions} value: {@link #options(PoolOptions)} sets it whole, {@link #mode(Mode)},
 * {@link #debug(boolean)}, {@link #debugStackTraces(int)} and {@link #leakHandler(Consumer)} one
 * field each. Debug mode, whether set here or by {@code -Dpercpu.debug=true}, also turns the
 * event-loop front caches off.
 */
public final class PercpuByteBufAllocatorBuilder {
    /** Default cap of a built allocator: 1 GiB. */
    public static final long DEFAULT_MAX_MEMORY = 1L << 30;

    /** Default bytes of each class an event loop's front cache holds: 16 KiB. */
    public static final int DEFAULT_EVENT_LOOP_CACHE_BYTES = 16 << 10;
    /** The most buffers of one class an event loop's front cache holds. */
    public static final int EVENT_LOOP_CACHE_MAX_BUFFERS = 4;

    private long maxMemory = DEFAULT_MAX_MEMORY;
    private int[] classSizes = PercpuByteBufAllocator.defaultClassSizes();
    private int eventLoopCacheBytes = DEFAULT_EVENT_LOOP_CACHE_BYTES;
    private final SizeClassConfig.Builder config = SizeClassConfig.builder();

    PercpuByteBufAllocatorBuilder() {
    }

    /** The hard cap on off-heap memory, pooled and large: one budget for every class and the large path. */
    public PercpuByteBufAllocatorBuilder maxMemory(long bytes) {
        this.maxMemory = bytes;
        return this;
    }

    /** The cap as a size with an optional k/m/g suffix ({@code "2g"}). */
    public PercpuByteBufAllocatorBuilder maxMemory(String size) {
        return maxMemory(Sizes.parse("maxMemory", size));
    }

    /** How long memory must go unused before it goes back (see {@link SizeClassConfig.Builder#handBackAfter(Duration)}). */
    public PercpuByteBufAllocatorBuilder handBackAfter(Duration window) {
        config.handBackAfter(window);
        return this;
    }

    /**
     * Who runs the hand-back (see {@link SizeClassConfig.Builder#handBackRunner(MaintenanceRunner)}): its own
     * thread by default, or with {@link MaintenanceRunner#application()} the application's duty cycle through
     * {@link PercpuByteBufAllocator#maintenanceAgent()}. The event-loop front caches' idle check runs on the
     * event loops either way.
     */
    public PercpuByteBufAllocatorBuilder handBackRunner(MaintenanceRunner runner) {
        config.handBackRunner(runner);
        return this;
    }

    /** The size classes (see {@link SizeClassConfig.Builder#classSizes(int...)}); the largest is the large-path threshold. */
    public PercpuByteBufAllocatorBuilder classSizes(int... sizes) {
        this.classSizes = sizes.clone();
        return this;
    }

    /** Bytes one CPU caches per class (see {@link SizeClassConfig.Builder#perCpuCacheBytes(int)}). */
    public PercpuByteBufAllocatorBuilder perCpuCacheBytes(int bytes) {
        config.perCpuCacheBytes(bytes);
        return this;
    }

    /** The settings every pool shares, all at once (see {@link SizeClassConfig.Builder#options(PoolOptions)}). */
    public PercpuByteBufAllocatorBuilder options(PoolOptions options) {
        config.options(options);
        return this;
    }

    /** See {@link PoolOptions.Builder#mode(Mode)}. */
    public PercpuByteBufAllocatorBuilder mode(Mode mode) {
        config.mode(mode);
        return this;
    }

    /**
     * Bytes of each size class that one event-loop thread ({@code FastThreadLocalThread}) keeps in its
     * front cache, at most {@value #EVENT_LOOP_CACHE_MAX_BUFFERS} buffers a class; classes larger than
     * this are not cached; 0 turns the front caches off. Other threads have none, and debug mode turns
     * them off. See {@link PercpuByteBufAllocator#eventLoopCacheBoundBytes()}.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public PercpuByteBufAllocatorBuilder eventLoopCacheBytes(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("eventLoopCacheBytes must be >= 0, was " + bytes);
        }
        this.eventLoopCacheBytes = bytes;
        return this;
    }

    /**
     * percpu's debug mode underneath (double free, poison, leak report at close; no front caches): see
     * {@link PoolOptions.Builder#debug(boolean)}.
     */
    public PercpuByteBufAllocatorBuilder debug(boolean on) {
        config.debug(on);
        return this;
    }

    /** See {@link PoolOptions.Builder#debugStackTraces(int)}. */
    public PercpuByteBufAllocatorBuilder debugStackTraces(int everyNth) {
        config.debugStackTraces(everyNth);
        return this;
    }

    /**
     * Where debug mode's report of the buffers alive at {@link PercpuByteBufAllocator#close()} goes (see
     * {@link PoolOptions.Builder#leakHandler(Consumer)}).
     */
    public PercpuByteBufAllocatorBuilder leakHandler(Consumer<LeakReport> handler) {
        config.leakHandler(handler);
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
        return new PercpuByteBufAllocator(this, false);
    }

    /** The event-loop cache's buffers per class of {@code config} (all 0 when off, as in debug mode). */
    int[] eventLoopCacheCapacities(SizeClassConfig config) {
        return EventLoopCaches.capacities(config.classSizes(), config.options().debug() ? 0 : eventLoopCacheBytes,
            EVENT_LOOP_CACHE_MAX_BUFFERS);
    }

    SizeClassConfig sizeClassConfig() {
        return config.classSizes(classSizes).maxMemory(maxMemory).build();
    }
}
