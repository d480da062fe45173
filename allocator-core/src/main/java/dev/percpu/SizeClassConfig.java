package dev.percpu;

import dev.percpu.runtime.Mode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Immutable configuration of a {@link SizeClassAllocator}, made by {@link #builder()}.
 *
 * <table>
 *   <caption>Settings and limits</caption>
 *   <tr><th>setting</th><th>default</th><th>limits</th></tr>
 *   <tr><td>class sizes</td><td>{@link #defaultClassSizes()}: 39 classes, 16 B to 64 KiB</td>
 *       <td>1 to {@value #MAX_CLASSES} strictly increasing sizes, multiples of 16, at most
 *       {@value #MAX_CLASS_SIZE}; sizes of {@value #PAGE_SIZE} and more multiples of {@value #PAGE_SIZE}</td></tr>
 *   <tr><td>memory budget ({@link Builder#maxMemory(long)})</td><td>{@value #DEFAULT_MAX_MEMORY} bytes (1 GiB)</td>
 *       <td>at least the largest class size, at most {@value #MAX_MEMORY} bytes: the memory every class
 *       and the large-block heap commit, together</td></tr>
 *   <tr><td>capacity per class</td><td>the memory budget, at most {@value #MAX_CAPACITY_BYTES_PER_CLASS}
 *       bytes</td>
 *       <td>at least the largest class size, at most {@value #MAX_CAPACITY_BYTES_PER_CLASS} bytes; each
 *       class gets {@code capacity / size} slots (at most {@value SlabConfig#MAX_SLOTS}) of address space,
 *       committed from the budget as used</td></tr>
 *   <tr><td>hand-back window ({@link Builder#handBackAfter(Duration)})</td><td>{@link #DEFAULT_HAND_BACK_AFTER}
 *       (2 s)</td><td>0 (never hand back) or 1 ms to 1 hour</td></tr>
 *   <tr><td>hand-back runner ({@link Builder#handBackRunner(MaintenanceRunner)})</td>
 *       <td>{@link MaintenanceRunner#ownThread()}</td><td>or {@link MaintenanceRunner#application()}: no
 *       thread, the application runs {@link SizeClassAllocator#maintenanceAgent()}</td></tr>
 *   <tr><td>per-CPU cache per class</td><td>{@value #DEFAULT_PER_CPU_CACHE_BYTES} bytes</td>
 *       <td>a class's per-CPU capacity is {@code cache / size} slots, clamped to [4, 512]</td></tr>
 *   <tr><td>mode, debug, debug stack traces, leak handler</td><td>see {@link PoolOptions}</td>
 *       <td>one {@link #options()} value, applied to every class</td></tr>
 * </table>
 *
 * <p>The settings every pool shares are one {@link PoolOptions} value, set
 * whole by {@link Builder#options(PoolOptions)} or one field at a time by
 * the builder's {@code mode}, {@code debug}, {@code debugStackTraces} and
 * {@code leakHandler}; settings left unset come from the system properties
 * when {@link Builder#build()} runs, once for every class.
 *
 * <p>A request outside the limits fails in {@link Builder#build()} with an
 * {@link IllegalArgumentException} that names the setting.
 */
public final class SizeClassConfig {
    private static final int[] DEFAULT_CLASS_SIZES = {
        16, 32, 48, 64, 80, 96, 112, 128,
        160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
        1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
        8192, 12288, 16384, 20480, 24576, 28672, 32768, 40960, 49152, 57344, 65536,
    };
    /** Most classes in one allocator. */
    public static final int MAX_CLASSES = 64;
    /** Largest class size (1 MiB); larger requests are rejected. */
    public static final int MAX_CLASS_SIZE = 1 << 20;
    /** Classes of at least this size are multiples of it, so their slots are page aligned. */
    public static final int PAGE_SIZE = ConfigRules.PAGE_SIZE;
    /** Default memory budget: 1 GiB. */
    public static final long DEFAULT_MAX_MEMORY = 1L << 30;
    /** Largest memory budget: 1 TiB. */
    public static final long MAX_MEMORY = 1L << 40;
    /** Most bytes per class (64 GiB): 64 classes then reserve at most 4 TiB of address space. */
    public static final long MAX_CAPACITY_BYTES_PER_CLASS = 64L << 30;
    /** Default hand-back window: memory a class did not use for this long goes back (see {@link Builder#handBackAfter}). */
    public static final Duration DEFAULT_HAND_BACK_AFTER = Duration.ofSeconds(2);
    /** Default bytes one CPU caches per class. */
    public static final int DEFAULT_PER_CPU_CACHE_BYTES = 256 << 10;

    private final int[] classSizes;
    private final long maxMemory;
    private final long capacityBytesPerClass;
    private final Duration handBackAfter;
    private final MaintenanceRunner handBackRunner;
    private final int perCpuCacheBytes;
    private final PoolOptions options;

    private SizeClassConfig(Builder b, PoolOptions options) {
        this.classSizes = b.classSizes.clone();
        this.maxMemory = b.maxMemory;
        this.capacityBytesPerClass = b.capacityBytesPerClass != -1 ? b.capacityBytesPerClass
            : Math.min(b.maxMemory, MAX_CAPACITY_BYTES_PER_CLASS);
        this.handBackAfter = b.handBackAfter;
        this.handBackRunner = b.handBackRunner;
        this.perCpuCacheBytes = b.perCpuCacheBytes;
        this.options = options;
    }

    /**
     * The default table (a copy): steps of 16 B up to 128 B, four steps per
     * doubling up to 4 KiB (at most 25% internal waste), then multiples of
     * 4 KiB up to 64 KiB.
     */
    public static int[] defaultClassSizes() {
        return DEFAULT_CLASS_SIZES.clone();
    }

    /** A builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** The class sizes, ascending (a copy). */
    public int[] classSizes() {
        return classSizes.clone();
    }

    /** The memory budget: bytes every class and the large-block heap may commit together. */
    public long maxMemory() {
        return maxMemory;
    }

    /** Bytes of slots per class: the most one class may hold, within the budget. */
    public long capacityBytesPerClass() {
        return capacityBytesPerClass;
    }

    /** The hand-back window; {@link Duration#ZERO}: memory is never handed back in the background. */
    public Duration handBackAfter() {
        return handBackAfter;
    }

    /** Who runs the hand-back: its own thread (the default) or the application. */
    public MaintenanceRunner handBackRunner() {
        return handBackRunner;
    }

    /** Freed slots of class {@code i} its depot keeps when the rest is handed back: two refill batches. */
    int reserveSlots(int i) {
        return 2 * classConfig(i).batchSize();
    }

    /** Bytes one CPU caches per class. */
    public int perCpuCacheBytes() {
        return perCpuCacheBytes;
    }

    /** The settings every class shares: mode, debug mode, debug stack traces, leak handler. */
    public PoolOptions options() {
        return options;
    }

    /** The slab configuration of class {@code i}: its sizes, and {@link #options()}. */
    SlabConfig classConfig(int i) {
        int size = classSizes[i];
        long slots = Math.min(capacityBytesPerClass / size, SlabConfig.MAX_SLOTS);
        int perCpu = Math.max(4, Math.min(512, perCpuCacheBytes / size));
        return SlabConfig.builder().slotSize(size).capacitySlots(slots).perCpuCapacity(perCpu).options(options).build();
    }

    @Override
    public String toString() {
        return "SizeClassConfig[classes=" + Arrays.toString(classSizes) + ", maxMemory=" + maxMemory
            + ", capacityBytesPerClass=" + capacityBytesPerClass + ", handBackAfter=" + handBackAfter
            + ", perCpuCacheBytes=" + perCpuCacheBytes + ", " + options + "]";
    }

    /** Collects settings; {@link #build()} checks them all. Not thread-safe. */
    public static final class Builder {
        private int[] classSizes = DEFAULT_CLASS_SIZES;
        private long maxMemory = DEFAULT_MAX_MEMORY;
        /** -1: the budget (at most {@link #MAX_CAPACITY_BYTES_PER_CLASS}). */
        private long capacityBytesPerClass = -1;
        private Duration handBackAfter = DEFAULT_HAND_BACK_AFTER;
        private MaintenanceRunner handBackRunner = MaintenanceRunner.ownThread();
        private int perCpuCacheBytes = DEFAULT_PER_CPU_CACHE_BYTES;
        private PoolOptions.Builder options = PoolOptions.builder();

        private Builder() {
        }

        /** The class sizes, strictly increasing. */
        public Builder classSizes(int... sizes) {
            this.classSizes = sizes.clone();
            return this;
        }

        /** The memory budget: bytes every class and the large-block heap may commit together. */
        public Builder maxMemory(long bytes) {
            this.maxMemory = bytes;
            return this;
        }

        /** The memory budget as a size with an optional k/m/g suffix ({@code "2g"}). */
        public Builder maxMemory(String size) {
            return maxMemory(Sizes.parse("maxMemory", size));
        }

        /**
         * How long memory must go unused before it is handed back: at the end of each window of this
         * length, a maintenance thread drains the caches of CPUs that were idle for the whole window
         * and hands back the free chunks a class did not need in it (beyond a small reserve);
         * {@link Duration#ZERO} turns it off (no thread).
         */
        public Builder handBackAfter(Duration window) {
            this.handBackAfter = Objects.requireNonNull(window, "window");
            return this;
        }

        /**
         * Who runs the hand-back: {@link MaintenanceRunner#ownThread()} (the default, with its thread
         * factory and error handler) or {@link MaintenanceRunner#application()} (no thread; the
         * application runs {@link SizeClassAllocator#maintenanceAgent()}).
         */
        public Builder handBackRunner(MaintenanceRunner runner) {
            this.handBackRunner = Objects.requireNonNull(runner, "runner");
            return this;
        }

        /** The most bytes of slots one class may hold (the same for every class); default: the memory budget. */
        public Builder capacityBytesPerClass(long bytes) {
            this.capacityBytesPerClass = bytes;
            return this;
        }

        /** Bytes of slots per class as a size with an optional k/m/g suffix ({@code "64m"}). */
        public Builder capacityBytesPerClass(String size) {
            return capacityBytesPerClass(Sizes.parse("capacityBytesPerClass", size));
        }

        /** Bytes one CPU caches per class. */
        public Builder perCpuCacheBytes(int bytes) {
            this.perCpuCacheBytes = bytes;
            return this;
        }

        // CPD-OFF: the PoolOptions shortcuts, one-line delegates of the same shape in each config's builder
        /**
         * The settings every class shares, all at once (see {@link PoolOptions}); a later {@link #mode(Mode)},
         * {@link #debug(boolean)}, {@link #debugStackTraces(int)} or {@link #leakHandler(Consumer)} changes one.
         */
        public Builder options(PoolOptions options) {
            this.options = Objects.requireNonNull(options, "options").toBuilder();
            return this;
        }

        /** See {@link PoolOptions.Builder#mode(Mode)}. */
        public Builder mode(Mode mode) {
            options.mode(mode);
            return this;
        }

        /** See {@link PoolOptions.Builder#debug(boolean)}; applies to every class. */
        public Builder debug(boolean on) {
            options.debug(on);
            return this;
        }

        /** See {@link PoolOptions.Builder#debugStackTraces(int)}. */
        public Builder debugStackTraces(int everyNth) {
            options.debugStackTraces(everyNth);
            return this;
        }

        /** See {@link PoolOptions.Builder#leakHandler(Consumer)}; called once per class that leaks. */
        public Builder leakHandler(Consumer<LeakReport> handler) {
            options.leakHandler(handler);
            return this;
        }
        // CPD-ON

        /**
         * Checks every setting and makes the config.
         *
         * @throws IllegalArgumentException naming the first setting out of its limits
         */
        public SizeClassConfig build() {
            if (classSizes.length < 1 || classSizes.length > MAX_CLASSES) {
                throw new IllegalArgumentException("classSizes: " + classSizes.length + " classes, must be 1 to "
                    + MAX_CLASSES);
            }
            for (int i = 0; i < classSizes.length; i++) {
                int size = classSizes[i];
                ConfigRules.slotSize("classSizes: size", size, MAX_CLASS_SIZE);
                if (size >= PAGE_SIZE && size % PAGE_SIZE != 0) {
                    throw new IllegalArgumentException("classSizes: " + size + " is at least " + PAGE_SIZE
                        + " and must then be a multiple of it (page-aligned slots)");
                }
                if (i > 0 && size <= classSizes[i - 1]) {
                    throw new IllegalArgumentException("classSizes must be strictly increasing: " + classSizes[i - 1]
                        + " then " + size);
                }
            }
            int largest = classSizes[classSizes.length - 1];
            if (maxMemory < largest || maxMemory > MAX_MEMORY) {
                throw new IllegalArgumentException("maxMemory " + maxMemory + " must be in [" + largest
                    + " (the largest class), " + MAX_MEMORY + "]");
            }
            if (capacityBytesPerClass != -1
                && (capacityBytesPerClass < largest || capacityBytesPerClass > MAX_CAPACITY_BYTES_PER_CLASS)) {
                throw new IllegalArgumentException("capacityBytesPerClass " + capacityBytesPerClass + " must be in ["
                    + largest + " (the largest class), " + MAX_CAPACITY_BYTES_PER_CLASS + "]");
            }
            if (!handBackAfter.isZero() && (handBackAfter.compareTo(Duration.ofMillis(1)) < 0
                || handBackAfter.compareTo(Duration.ofHours(1)) > 0)) {
                throw new IllegalArgumentException("handBackAfter " + handBackAfter
                    + " must be 0 (off) or in [1 ms, 1 h]");
            }
            if (perCpuCacheBytes < 0) {
                throw new IllegalArgumentException("perCpuCacheBytes " + perCpuCacheBytes + " must be >= 0");
            }
            SizeClassConfig config = new SizeClassConfig(this, options.build());
            config.classConfig(0);
            return config;
        }
    }
}
