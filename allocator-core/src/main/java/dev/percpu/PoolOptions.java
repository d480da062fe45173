package dev.percpu;

import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The settings every pool shares, as one immutable value: the {@link Mode},
 * debug mode, debug stack traces and the leak handler. Their defaults and
 * checks are here and nowhere else.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>limits</th></tr>
 *   <tr><td>mode</td><td>system property {@value PercpuProperties#MODE}, else AUTO</td><td>see {@link Mode}</td></tr>
 *   <tr><td>debug</td><td>system property {@value PercpuProperties#DEBUG}, else off</td>
 *       <td>see {@link Builder#debug(boolean)}</td></tr>
 *   <tr><td>debug stack traces</td><td>system property {@value PercpuProperties#DEBUG_STACK_TRACES}, else 0
 *       (none)</td><td>0 or more: record where 1 in N allocations happened</td></tr>
 *   <tr><td>leak handler</td><td>logs the report at WARNING on the {@code System.Logger} named
 *       {@value SlabAllocator#LOGGER}</td>
 *       <td>called by {@code close()} in debug mode when slots are outstanding</td></tr>
 * </table>
 *
 * <p>Each pool configuration contains one: {@link SlabConfig#options()}
 * (also under {@link BufferPool}) and {@link SizeClassConfig#options()}
 * (applied to every class, and under the Netty allocator). Their builders
 * take a whole value with {@code options(PoolOptions)}, so one value can
 * serve several pools, and keep {@code mode}, {@code debug},
 * {@code debugStackTraces} and {@code leakHandler} as one-line shortcuts
 * that set the same field of the {@link Builder} they hold; the last call
 * wins. {@link ObjectPool} takes the mode only: it has no debug mode.
 *
 * <p>System properties are read when {@link Builder#build()} runs (a pool
 * builder runs it in its own {@code build()}), and only for settings left
 * unset: a value set on the builder always wins, and a value once built
 * never reads them again. A malformed property fails that {@code build()}
 * with an {@link IllegalArgumentException} naming the property.
 */
public final class PoolOptions {
    private static final Consumer<LeakReport> LOG_LEAKS = report -> System.getLogger(SlabAllocator.LOGGER)
        .log(System.Logger.Level.WARNING, report.toString());

    private final Mode mode;
    private final boolean debug;
    private final int debugStackTraces;
    private final Consumer<LeakReport> leakHandler;

    private PoolOptions(Mode mode, boolean debug, int debugStackTraces, Consumer<LeakReport> leakHandler) {
        this.mode = mode;
        this.debug = debug;
        this.debugStackTraces = debugStackTraces;
        this.leakHandler = leakHandler;
    }

    /** A builder with every setting unset (from the system properties, else the defaults above). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's settings, all set (no system property is read again). */
    public Builder toBuilder() {
        return new Builder().mode(mode).debug(debug).debugStackTraces(debugStackTraces).leakHandler(leakHandler);
    }

    /** The requested mode (may be AUTO; a pool reports what it resolved to). */
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

    /** {@code mode=..., debug=...}, and the stack-trace sampling when debug mode is on. */
    @Override
    public String toString() {
        return "mode=" + mode + ", debug=" + debug + (debug ? ", debugStackTraces=" + debugStackTraces : "");
    }

    /** Collects settings; {@link #build()} checks them and reads system properties for the rest. Not thread-safe. */
    public static final class Builder {
        private Mode mode;
        private Boolean debug;
        private Integer debugStackTraces;
        private Consumer<LeakReport> leakHandler;

        private Builder() {
        }

        /** The mode; wins over the system property {@value PercpuProperties#MODE}. */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Debug mode; wins over the system property {@value PercpuProperties#DEBUG}. Off by default, and then it
         * costs one never-taken branch on a final field per operation. On, the allocator:
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
         * In debug mode, record where 1 in {@code everyNth} allocations happened (a {@code Throwable} per recorded
         * slot, dropped on free); 1 records every allocation, 0 none. Wins over the system property
         * {@value PercpuProperties#DEBUG_STACK_TRACES}. Ignored when debug mode is off.
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
         * Checks the settings, reads the system properties for those left unset, and makes the value.
         *
         * @throws IllegalArgumentException when debugStackTraces is negative, or a property consulted is malformed
         */
        public PoolOptions build() {
            if (debugStackTraces != null && debugStackTraces < 0) {
                throw new IllegalArgumentException("debugStackTraces " + debugStackTraces + " must be >= 0");
            }
            return new PoolOptions(resolvedMode(), debug != null ? debug : debugFromProperty(),
                debugStackTraces != null ? debugStackTraces : stackTracesFromProperty(),
                leakHandler != null ? leakHandler : LOG_LEAKS);
        }

        /** The mode alone, resolved as {@link #build()} does: for {@link ObjectPool}, which has no debug mode. */
        Mode resolvedMode() {
            return mode != null ? mode : Mode.fromProperty();
        }

        private static boolean debugFromProperty() {
            String value = PercpuProperties.property(PercpuProperties.DEBUG);
            switch (value.toLowerCase(Locale.ROOT)) {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    throw new IllegalArgumentException(PercpuProperties.DEBUG + "=" + value + " is not true or false");
            }
        }

        private static int stackTracesFromProperty() {
            String value = PercpuProperties.property(PercpuProperties.DEBUG_STACK_TRACES);
            try {
                int n = Integer.parseInt(value);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below, with the property named
            }
            throw new IllegalArgumentException(PercpuProperties.DEBUG_STACK_TRACES + "=" + value
                + " is not an integer >= 0");
        }
    }
}
