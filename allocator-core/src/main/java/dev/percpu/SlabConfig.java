package dev.percpu;

import dev.percpu.runtime.Mode;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Immutable configuration of a {@link SlabAllocator}, made by {@link #builder()}.
 *
 * <table>
 *   <caption>Settings and limits</caption>
 *   <tr><th>setting</th><th>default</th><th>limits</th></tr>
 *   <tr><td>slot size</td><td>required</td><td>{@value #MIN_SLOT_SIZE} to {@value #MAX_SLOT_SIZE} bytes, a multiple of {@value #SLOT_ALIGNMENT}</td></tr>
 *   <tr><td>capacity</td><td>required</td><td>1 to {@value #MAX_SLOTS} slots, and at most {@value #MAX_REGION_BYTES} bytes of region</td></tr>
 *   <tr><td>per-CPU capacity</td><td>{@value #DEFAULT_PER_CPU_CAPACITY}</td><td>1 to {@value #MAX_PER_CPU_CAPACITY} slots cached by one CPU</td></tr>
 *   <tr><td>batch size</td><td>min({@value #DEFAULT_BATCH_SIZE}, per-CPU capacity)</td><td>1 to per-CPU capacity: slots moved per refill or flush</td></tr>
 *   <tr><td>mode</td><td>system property {@value Mode#PROPERTY}, else AUTO</td><td>see {@link Mode}</td></tr>
 *   <tr><td>debug</td><td>system property {@value #DEBUG_PROPERTY}, else off</td><td>see {@link Builder#debug(boolean)}</td></tr>
 *   <tr><td>debug stack traces</td><td>system property {@value #DEBUG_STACK_TRACES_PROPERTY}, else 0 (none)</td><td>0 or more: record where 1 in N allocations happened</td></tr>
 *   <tr><td>leak handler</td><td>logs the report at WARNING on the {@code System.Logger} named {@code dev.percpu}</td><td>called by {@code close()} in debug mode when slots are outstanding</td></tr>
 * </table>
 *
 * <p>System properties are read when {@link Builder#build()} runs, and only
 * for settings the builder left unset: the builder always wins.
 *
 * <p>A request outside the limits fails in {@link Builder#build()} with an
 * {@link IllegalArgumentException} that names the setting, the value and the limit.
 */
public final class SlabConfig {
    /** Smallest slot, bytes. */
    public static final int MIN_SLOT_SIZE = 16;
    /** Largest slot, bytes (1 GiB). */
    public static final int MAX_SLOT_SIZE = 1 << 30;
    /** Slot sizes are multiples of this, so every slot address is 16-byte aligned. */
    public static final int SLOT_ALIGNMENT = 16;
    /** Most slots in one allocator (2^28): slot indices and the depot stay small. */
    public static final long MAX_SLOTS = 1L << 28;
    /** Largest region one allocator reserves (1 TiB of address space; pages are committed on use). */
    public static final long MAX_REGION_BYTES = 1L << 40;
    /** Default number of slots one CPU's stack may cache. */
    public static final int DEFAULT_PER_CPU_CAPACITY = 512;
    /** Largest per-CPU capacity. */
    public static final int MAX_PER_CPU_CAPACITY = 1 << 20;
    /** Default number of slots moved between a CPU stack and the depot at once. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    /** System property ({@code true} or {@code false}) for {@link Builder#debug(boolean)} when the builder leaves it unset. */
    public static final String DEBUG_PROPERTY = "percpu.debug";
    /** System property (an integer N >= 0) for {@link Builder#debugStackTraces(int)} when the builder leaves it unset. */
    public static final String DEBUG_STACK_TRACES_PROPERTY = "percpu.debug.stackTraces";
    /** Debug mode poisons and checks at most this many bytes at the start of a slot. */
    public static final int DEBUG_POISON_BYTES = 4096;

    private static final Consumer<LeakReport> LOG_LEAKS = report -> System.getLogger("dev.percpu")
        .log(System.Logger.Level.WARNING, report.toString());

    private final int slotSize;
    private final int slots;
    private final int perCpuCapacity;
    private final int batchSize;
    private final Mode mode;
    private final boolean debug;
    private final int debugStackTraces;
    private final Consumer<LeakReport> leakHandler;
    private final RebalancerConfig rebalancer;
    private final int minPerCpuCapacity;
    private final int maxPerCpuCapacity;

    private SlabConfig(Builder b) {
        this.slotSize = b.slotSize;
        this.slots = (int) b.slots;
        this.perCpuCapacity = b.perCpuCapacity;
        this.batchSize = ConfigRules.batchSize(b.batchSize, b.perCpuCapacity);
        this.mode = ConfigRules.mode(b.mode);
        this.debug = b.debug != null ? b.debug : debugFromProperty();
        this.debugStackTraces = b.debugStackTraces != null ? b.debugStackTraces : stackTracesFromProperty();
        this.leakHandler = b.leakHandler != null ? b.leakHandler : LOG_LEAKS;
        this.rebalancer = b.rebalancer;
        this.minPerCpuCapacity = b.minPerCpuCapacity;
        this.maxPerCpuCapacity = b.maxPerCpuCapacity;
    }

    private static boolean debugFromProperty() {
        String value = System.getProperty(DEBUG_PROPERTY);
        if (value == null || value.isBlank()) {
            return false;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new IllegalArgumentException(DEBUG_PROPERTY + "=" + value + " is not true or false");
        }
    }

    private static int stackTracesFromProperty() {
        String value = System.getProperty(DEBUG_STACK_TRACES_PROPERTY);
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the property named
        }
        throw new IllegalArgumentException(DEBUG_STACK_TRACES_PROPERTY + "=" + value + " is not an integer >= 0");
    }

    /** A builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** Bytes per slot. */
    public int slotSize() {
        return slotSize;
    }

    /** Number of slots in the region. */
    public int slots() {
        return slots;
    }

    /** Region size in bytes: {@code slots() * slotSize()}. */
    public long regionBytes() {
        return (long) slots * slotSize;
    }

    /** Slots one CPU's stack may hold. */
    public int perCpuCapacity() {
        return perCpuCapacity;
    }

    /** Slots moved per refill from, or flush to, the depot. */
    public int batchSize() {
        return batchSize;
    }

    /** The rebalancer's settings, or empty when the allocator runs no rebalancer (the default). */
    public java.util.Optional<RebalancerConfig> rebalancer() {
        return java.util.Optional.ofNullable(rebalancer);
    }

    /** Smallest capacity the rebalancer gives a CPU (the per-CPU capacity without a rebalancer). */
    public int minPerCpuCapacity() {
        return minPerCpuCapacity;
    }

    /** Largest capacity a CPU can have: the size of each CPU's stack (the per-CPU capacity without a rebalancer). */
    public int maxPerCpuCapacity() {
        return maxPerCpuCapacity;
    }

    /** The requested mode (may be AUTO; the allocator reports what it resolved to). */
    public Mode mode() {
        return mode;
    }

    /** Whether debug mode is on: see {@link Builder#debug(boolean)}. */
    public boolean debug() {
        return debug;
    }

    /** 0: no allocation sites recorded; N: the site of 1 in N allocations is recorded (debug mode only). */
    public int debugStackTraces() {
        return debugStackTraces;
    }

    /** Receives the leak report of {@code close()} in debug mode. */
    public Consumer<LeakReport> leakHandler() {
        return leakHandler;
    }

    @Override
    public String toString() {
        return "SlabConfig[slotSize=" + slotSize + ", slots=" + slots + ", perCpuCapacity=" + perCpuCapacity
            + ", batchSize=" + batchSize + ", mode=" + mode + ", debug=" + debug
            + (debug ? ", debugStackTraces=" + debugStackTraces : "")
            + (rebalancer == null ? ", no rebalancer" : ", rebalancer every " + rebalancer.period().toMillis()
                + " ms, capacity " + minPerCpuCapacity + ".." + maxPerCpuCapacity) + "]";
    }

    /** Collects settings; {@link #build()} checks them all. Not thread-safe. */
    public static final class Builder {
        private int slotSize;
        private long slots;
        private long capacityBytes;
        private int perCpuCapacity = DEFAULT_PER_CPU_CAPACITY;
        private Integer batchSize;
        private Mode mode;
        private Boolean debug;
        private Integer debugStackTraces;
        private Consumer<LeakReport> leakHandler;
        private RebalancerConfig rebalancer;
        private int minPerCpuCapacity;
        private int maxPerCpuCapacity;

        private Builder() {
        }

        /** Bytes per slot: a multiple of {@value SlabConfig#SLOT_ALIGNMENT} in [{@value SlabConfig#MIN_SLOT_SIZE}, 1 GiB]. */
        public Builder slotSize(int bytes) {
            this.slotSize = bytes;
            return this;
        }

        /** Total capacity as a number of slots (replaces {@link #capacityBytes(long)}). */
        public Builder capacitySlots(long count) {
            this.slots = count;
            this.capacityBytes = 0;
            return this;
        }

        /** Total capacity in bytes, rounded down to whole slots (replaces {@link #capacitySlots(long)}). */
        public Builder capacityBytes(long bytes) {
            this.capacityBytes = bytes;
            this.slots = 0;
            return this;
        }

        /** Total capacity as a size with an optional k/m/g suffix ({@code "256m"}), rounded down to whole slots. */
        public Builder capacityBytes(String size) {
            return capacityBytes(Sizes.parse("capacityBytes", size));
        }

        /** Bytes per slot as a size with an optional k/m/g suffix ({@code "4k"}). */
        public Builder slotSize(String size) {
            long bytes = Sizes.parse("slotSize", size);
            return slotSize((int) Math.min(bytes, Integer.MAX_VALUE));
        }

        /** Slots one CPU's stack may cache. */
        public Builder perCpuCapacity(int count) {
            this.perCpuCapacity = count;
            return this;
        }

        /** Slots moved per refill or flush. */
        public Builder batchSize(int count) {
            this.batchSize = count;
            return this;
        }

        /** Runs a background rebalancer with these settings (none by default). */
        public Builder rebalancer(RebalancerConfig rebalancer) {
            this.rebalancer = Objects.requireNonNull(rebalancer, "rebalancer");
            return this;
        }

        /** The mode; wins over the system property {@value Mode#PROPERTY}. */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Debug mode; wins over the system property {@value SlabConfig#DEBUG_PROPERTY}. Off by
         * default, and then it costs one never-taken branch on a final field per operation.
         * On, the allocator:
         * <ul>
         *   <li>keeps two bits of state per slot (never used, allocated, free) in an on-heap
         *       {@code long[]} of {@code slots / 32} words, changed with a CAS per operation, so
         *       that {@code free} of a slot that is already free (double free) or was never
         *       handed out throws {@link IllegalArgumentException} and changes nothing;</li>
         *   <li>poisons the first min(slot size, {@value SlabConfig#DEBUG_POISON_BYTES}) bytes of
         *       every freed slot with a pattern and checks them when the slot is handed out
         *       again: a write after free throws {@link IllegalStateException} naming the slot's
         *       address and the offset of the first changed 8-byte word (the slot is
         *       re-poisoned and put back, so the pool stays whole);</li>
         *   <li>on {@code close()}, hands a {@link LeakReport} of the slots still allocated to the
         *       {@link #leakHandler(Consumer) leak handler}, with the allocation sites that
         *       {@link #debugStackTraces(int)} recorded.</li>
         * </ul>
         */
        public Builder debug(boolean on) {
            this.debug = on;
            return this;
        }

        /**
         * In debug mode, record where 1 in {@code everyNth} allocations happened (a
         * {@code Throwable} per recorded slot, dropped on free); 1 records every allocation,
         * 0 none. Wins over the system property {@value SlabConfig#DEBUG_STACK_TRACES_PROPERTY}.
         * Ignored when debug mode is off.
         */
        public Builder debugStackTraces(int everyNth) {
            this.debugStackTraces = everyNth;
            return this;
        }

        /** Who receives the leak report of {@code close()} in debug mode (default: a WARNING log record). */
        public Builder leakHandler(Consumer<LeakReport> handler) {
            this.leakHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Checks every setting and makes the config.
         *
         * @throws IllegalArgumentException naming the first setting out of its limits
         */
        public SlabConfig build() {
            ConfigRules.slotSize("slotSize", slotSize, MAX_SLOT_SIZE);
            if (capacityBytes != 0) {
                if (capacityBytes < 0) {
                    throw new IllegalArgumentException("capacityBytes " + capacityBytes + " must be > 0");
                }
                slots = capacityBytes / slotSize;
            }
            ConfigRules.slots("capacity in slots", slots,
                " (set capacitySlots or capacityBytes; capacityBytes below one slot gives 0 slots)");
            if (slots * slotSize > MAX_REGION_BYTES) {
                throw new IllegalArgumentException("region of " + slots + " x " + slotSize + " bytes exceeds the limit of "
                    + MAX_REGION_BYTES + " bytes");
            }
            ConfigRules.perCpuCapacity("perCpuCapacity", perCpuCapacity);
            int batch = ConfigRules.batchSize(batchSize, perCpuCapacity);
            if (debugStackTraces != null && debugStackTraces < 0) {
                throw new IllegalArgumentException("debugStackTraces " + debugStackTraces + " must be >= 0");
            }
            minPerCpuCapacity = perCpuCapacity;
            maxPerCpuCapacity = perCpuCapacity;
            if (rebalancer != null) {
                minPerCpuCapacity = rebalancer.minPerCpuCapacity() != 0 ? rebalancer.minPerCpuCapacity() : batch;
                maxPerCpuCapacity = rebalancer.maxPerCpuCapacity() != 0 ? rebalancer.maxPerCpuCapacity()
                    : (int) Math.min(2L * perCpuCapacity, MAX_PER_CPU_CAPACITY);
                if (minPerCpuCapacity > perCpuCapacity || maxPerCpuCapacity < perCpuCapacity
                    || maxPerCpuCapacity > MAX_PER_CPU_CAPACITY) {
                    throw new IllegalArgumentException("rebalancer perCpuCapacityRange [" + minPerCpuCapacity + ", "
                        + maxPerCpuCapacity + "] must contain perCpuCapacity " + perCpuCapacity + " and stay within "
                        + MAX_PER_CPU_CAPACITY);
                }
            }
            return new SlabConfig(this);
        }
    }
}
