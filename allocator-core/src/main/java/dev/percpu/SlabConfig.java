package dev.percpu;

import dev.percpu.runtime.Mode;
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
 *   <tr><td>mode, debug, debug stack traces, leak handler</td><td>see {@link PoolOptions}</td>
 *       <td>see {@link PoolOptions}</td></tr>
 * </table>
 *
 * <p>The settings every pool shares are one {@link PoolOptions} value,
 * {@link #options()}: the builder's {@link Builder#options(PoolOptions)}
 * sets it whole, and {@link Builder#mode(Mode)}, {@link Builder#debug(boolean)},
 * {@link Builder#debugStackTraces(int)} and {@link Builder#leakHandler(Consumer)}
 * set one of its fields each. Settings left unset come from the system
 * properties when {@link Builder#build()} runs: the builder always wins.
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

    /** Debug mode poisons and checks at most this many bytes at the start of a slot. */
    public static final int DEBUG_POISON_BYTES = 4096;

    private final int slotSize;
    private final int slots;
    private final int perCpuCapacity;
    private final int batchSize;
    private final PoolOptions options;
    private final RebalancerConfig rebalancer;
    private final int minPerCpuCapacity;
    private final int maxPerCpuCapacity;

    private SlabConfig(Builder b, PoolOptions options) {
        this.slotSize = b.slotSize;
        this.slots = (int) b.slots;
        this.perCpuCapacity = b.perCpuCapacity;
        this.batchSize = ConfigRules.batchSize(b.batchSize, b.perCpuCapacity);
        this.options = options;
        this.rebalancer = b.rebalancer;
        this.minPerCpuCapacity = b.minPerCpuCapacity;
        this.maxPerCpuCapacity = b.maxPerCpuCapacity;
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

    /** The settings every pool shares: mode, debug mode, debug stack traces, leak handler. */
    public PoolOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return "SlabConfig[slotSize=" + slotSize + ", slots=" + slots + ", perCpuCapacity=" + perCpuCapacity
            + ", batchSize=" + batchSize + ", " + options
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
        private PoolOptions.Builder options = PoolOptions.builder();
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

        // CPD-OFF: the PoolOptions shortcuts, one-line delegates of the same shape in each config's builder
        /**
         * The settings every pool shares, all at once (see {@link PoolOptions}); a later {@link #mode(Mode)},
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

        /** See {@link PoolOptions.Builder#debug(boolean)}. */
        public Builder debug(boolean on) {
            options.debug(on);
            return this;
        }

        /** See {@link PoolOptions.Builder#debugStackTraces(int)}. */
        public Builder debugStackTraces(int everyNth) {
            options.debugStackTraces(everyNth);
            return this;
        }

        /** See {@link PoolOptions.Builder#leakHandler(Consumer)}. */
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
            PoolOptions built = options.build();
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
            return new SlabConfig(this, built);
        }
    }
}
