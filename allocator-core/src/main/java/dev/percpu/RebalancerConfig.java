package dev.percpu;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;

/**
 * Immutable settings of a {@link SlabAllocator}'s background rebalancer,
 * made by {@link #builder()} and passed to {@link SlabConfig.Builder#rebalancer(RebalancerConfig)}.
 * Without it (the default) an allocator has no rebalancer; see
 * {@code docs/design.md} for why the rebalancer is off by default.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>period</td><td>10 ms</td><td>time between rounds</td></tr>
 *   <tr><td>runner</td><td>{@link MaintenanceRunner#ownThread()}</td><td>a daemon thread of its own
 *       ({@code percpu-rebalancer}), or another thread factory and error handler, or
 *       {@link MaintenanceRunner#application()}: no thread, the application runs
 *       {@link SlabAllocator#maintenanceAgent()} in its duty cycle</td></tr>
 *   <tr><td>idle strategy</td><td>sleep for the period</td><td>Agrona {@link IdleStrategy} of the rebalancer's own
 *       thread</td></tr>
 *   <tr><td>low / high watermark</td><td>0.25 / 0.75</td><td>fractions of a CPU's capacity below which the
 *       rebalancer refills it from the depot, above which it drains it, both to half its capacity</td></tr>
 *   <tr><td>max per-CPU capacity</td><td>2 x the allocator's per-CPU capacity</td><td>ceiling for capacity moved
 *       toward a CPU that misses</td></tr>
 *   <tr><td>min per-CPU capacity</td><td>the allocator's batch size</td><td>floor for capacity moved away</td></tr>
 *   <tr><td>idle drain after</td><td>1 s</td><td>a CPU whose stack saw no operation for this long is emptied into the depot</td></tr>
 *   <tr><td>trim above</td><td>off</td><td>when the depot's freed slots exceed this many bytes, the pages of the
 *       oldest ones beyond it are returned to the kernel</td></tr>
 * </table>
 */
public final class RebalancerConfig {
    private final Duration period;
    private final MaintenanceRunner runner;
    private final Supplier<IdleStrategy> idleStrategy;
    private final double lowWatermark;
    private final double highWatermark;
    private final int maxPerCpuCapacity;
    private final int minPerCpuCapacity;
    private final Duration idleDrainAfter;
    private final long trimAboveBytes;

    private RebalancerConfig(Builder b) {
        this.period = b.period;
        this.runner = b.runner;
        this.idleStrategy = b.idleStrategy != null ? b.idleStrategy
            : () -> new SleepingIdleStrategy(b.period.toNanos());
        this.lowWatermark = b.lowWatermark;
        this.highWatermark = b.highWatermark;
        this.maxPerCpuCapacity = b.maxPerCpuCapacity;
        this.minPerCpuCapacity = b.minPerCpuCapacity;
        this.idleDrainAfter = b.idleDrainAfter;
        this.trimAboveBytes = b.trimAboveBytes;
    }

    /** A builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** Time between rounds. */
    public Duration period() {
        return period;
    }

    /** Who runs the rebalancer: its own thread (the default) or the application. */
    public MaintenanceRunner runner() {
        return runner;
    }

    /** A new idle strategy for one rebalancer thread. */
    public IdleStrategy newIdleStrategy() {
        return idleStrategy.get();
    }

    /** Fraction of capacity below which a CPU is refilled. */
    public double lowWatermark() {
        return lowWatermark;
    }

    /** Fraction of capacity above which a CPU is drained. */
    public double highWatermark() {
        return highWatermark;
    }

    /** Ceiling of a CPU's capacity, or 0 for "2 x the allocator's per-CPU capacity". */
    public int maxPerCpuCapacity() {
        return maxPerCpuCapacity;
    }

    /** Floor of a CPU's capacity, or 0 for "the allocator's batch size". */
    public int minPerCpuCapacity() {
        return minPerCpuCapacity;
    }

    /** Inactivity after which a CPU's stack is emptied into the depot. */
    public Duration idleDrainAfter() {
        return idleDrainAfter;
    }

    /** Freed bytes the depot may keep resident, or -1 for no trimming by the rebalancer. */
    public long trimAboveBytes() {
        return trimAboveBytes;
    }

    /** Collects settings; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private Duration period = Duration.ofMillis(10);
        private MaintenanceRunner runner = MaintenanceRunner.ownThread();
        private Supplier<IdleStrategy> idleStrategy;
        private double lowWatermark = 0.25;
        private double highWatermark = 0.75;
        private int maxPerCpuCapacity;
        private int minPerCpuCapacity;
        private Duration idleDrainAfter = Duration.ofSeconds(1);
        private long trimAboveBytes = -1;

        private Builder() {
        }

        /** Time between rounds, at least 1 ms. */
        public Builder period(Duration period) {
            this.period = Objects.requireNonNull(period, "period");
            return this;
        }

        /**
         * Who runs the rebalancer: {@link MaintenanceRunner#ownThread()} (the default, with its thread
         * factory and error handler) or {@link MaintenanceRunner#application()} (no thread; the
         * application runs {@link SlabAllocator#maintenanceAgent()}).
         */
        public Builder runner(MaintenanceRunner runner) {
            this.runner = Objects.requireNonNull(runner, "runner");
            return this;
        }

        /** Makes the idle strategy of the rebalancer's own thread (called once per allocator). */
        public Builder idleStrategy(Supplier<IdleStrategy> factory) {
            this.idleStrategy = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Refill below {@code low}, drain above {@code high} (fractions of capacity, {@code 0 <= low < high <= 1}). */
        public Builder watermarks(double low, double high) {
            this.lowWatermark = low;
            this.highWatermark = high;
            return this;
        }

        /** Ceiling and floor for capacity moves between CPUs. */
        public Builder perCpuCapacityRange(int min, int max) {
            this.minPerCpuCapacity = min;
            this.maxPerCpuCapacity = max;
            return this;
        }

        /** Inactivity after which a CPU's stack is emptied (at least the period). */
        public Builder idleDrainAfter(Duration idle) {
            this.idleDrainAfter = Objects.requireNonNull(idle, "idle");
            return this;
        }

        /** Trim the depot's oldest freed slots beyond this many bytes each round; -1 turns it off. */
        public Builder trimAboveBytes(long bytes) {
            this.trimAboveBytes = bytes;
            return this;
        }

        /**
         * Checks the settings and makes the config.
         *
         * @throws IllegalArgumentException naming the first setting out of range
         */
        public RebalancerConfig build() {
            if (period.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("period " + period + " must be at least 1 ms");
            }
            if (!(lowWatermark >= 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
                throw new IllegalArgumentException("watermarks must satisfy 0 <= low < high <= 1, were "
                    + lowWatermark + " and " + highWatermark);
            }
            if (minPerCpuCapacity < 0 || maxPerCpuCapacity < 0
                || (maxPerCpuCapacity != 0 && minPerCpuCapacity > maxPerCpuCapacity)) {
                throw new IllegalArgumentException("perCpuCapacityRange [" + minPerCpuCapacity + ", "
                    + maxPerCpuCapacity + "] must have 0 < min <= max (0 for the defaults)");
            }
            if (idleDrainAfter.compareTo(period) < 0) {
                throw new IllegalArgumentException("idleDrainAfter " + idleDrainAfter + " must be at least the period "
                    + period);
            }
            if (trimAboveBytes < -1) {
                throw new IllegalArgumentException("trimAboveBytes " + trimAboveBytes + " must be >= 0, or -1 for off");
            }
            return new RebalancerConfig(this);
        }
    }
}
