package dev.percpu.stats;

import dev.percpu.SlabStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Exports a pool's {@link SlabStats} as Agrona counters, so that tools that
 * read a {@link CountersManager}'s buffers (for example a counters file
 * mapped by another process, as Aeron's tools do) can watch a live pool.
 *
 * <p>{@link #register} allocates one counter per figure, labelled
 * {@code "percpu <pool>: <figure>"} with type id {@value #TYPE_ID}: the
 * pool-wide figures of {@link #figureNames()} (figure {@code mode} holds
 * {@link dev.percpu.runtime.Mode#ordinal()}), then one
 * {@code "freeOnCpu <cpu>"} per CPU of the pool. {@link StatsPublisher}
 * writes them into a file other processes map; {@link StatsReader} reads them
 * back by these labels.
 * {@link #update()} takes one {@code stats()} snapshot (which takes the
 * pool's depot lock, so call it from a housekeeping thread every so often,
 * not from a hot path) and stores every figure with release semantics.
 * {@link #close()} frees the counters. {@code update} and {@code close} must
 * not run concurrently with each other; the counters themselves may be read
 * by any thread or process at any time.
 *
 * <p>Agrona 2.x buffers need {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED}
 * at run time; that applies to the {@link CountersManager} the caller builds.
 */
public final class PoolCounters implements AutoCloseable {
    /** Agrona counter type id of every percpu counter. */
    public static final int TYPE_ID = 9100;

    /** Label prefix of the per-CPU figures: {@code "freeOnCpu <cpu>"}. */
    public static final String FREE_ON_CPU = "freeOnCpu ";

    private static final List<Figure> FIGURES = List.of(
        new Figure("mode", s -> s.mode().ordinal()),
        new Figure("inUse", SlabStats::inUse),
        new Figure("depotFree", SlabStats::depotFree),
        new Figure("freeOnCpus", SlabStats::freeOnCpus),
        new Figure("refills", SlabStats::refills),
        new Figure("flushes", SlabStats::flushes),
        new Figure("slowPathEntries", SlabStats::slowPathEntries),
        new Figure("steals", SlabStats::steals),
        new Figure("drainedSlots", SlabStats::drainedSlots),
        new Figure("rebalanceRounds", SlabStats::rebalanceRounds),
        new Figure("rebalanceDrainedSlots", SlabStats::rebalanceDrainedSlots),
        new Figure("rebalanceRefilledSlots", SlabStats::rebalanceRefilledSlots),
        new Figure("capacityMoves", SlabStats::capacityMoves),
        new Figure("trimmedBytes", SlabStats::trimmedBytes),
        new Figure("remoteFences", SlabStats::remoteFences));

    private final Supplier<SlabStats> stats;
    private final List<AtomicCounter> counters;

    private PoolCounters(Supplier<SlabStats> stats, List<AtomicCounter> counters) {
        this.stats = stats;
        this.counters = counters;
    }

    /**
     * Allocates the counters of one pool in {@code manager} (takes one
     * {@code stats()} snapshot to learn the pool's CPUs).
     *
     * @param pool  a short name for the labels
     * @param stats the pool's {@code stats} method, e.g. {@code allocator::stats}
     * @throws IllegalStateException when the manager has no room left (counters allocated so far are freed)
     */
    public static PoolCounters register(CountersManager manager, String pool, Supplier<SlabStats> stats) {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(stats, "stats");
        int cpus = stats.get().cpus();
        List<AtomicCounter> counters = new ArrayList<>(FIGURES.size() + cpus);
        try {
            for (Figure figure : FIGURES) {
                counters.add(manager.newCounter("percpu " + pool + ": " + figure.name, TYPE_ID));
            }
            for (int cpu = 0; cpu < cpus; cpu++) {
                counters.add(manager.newCounter("percpu " + pool + ": " + FREE_ON_CPU + cpu, TYPE_ID));
            }
        } catch (RuntimeException e) {
            counters.forEach(AtomicCounter::close);
            throw e;
        }
        return new PoolCounters(stats, counters);
    }

    /** Names of the pool-wide figures, in counter order (the per-CPU ones follow them). */
    public static List<String> figureNames() {
        return FIGURES.stream().map(f -> f.name).toList();
    }

    /**
     * Copies one snapshot into the counters.
     *
     * @throws IllegalStateException after the pool or these counters were closed
     */
    public void update() {
        SlabStats snapshot = stats.get();
        for (int i = 0; i < counters.size(); i++) {
            AtomicCounter counter = counters.get(i);
            if (counter.isClosed()) {
                throw new IllegalStateException("these PoolCounters are closed");
            }
            int cpu = i - FIGURES.size();
            counter.setRelease(cpu < 0 ? FIGURES.get(i).value.applyAsLong(snapshot) : snapshot.freeOnCpu(cpu));
        }
    }

    /** The counter of one figure, or of {@code "freeOnCpu <cpu>"} (for tests and in-process readers). */
    public AtomicCounter counter(String figure) {
        for (int i = 0; i < FIGURES.size(); i++) {
            if (FIGURES.get(i).name.equals(figure)) {
                return counters.get(i);
            }
        }
        if (figure.startsWith(FREE_ON_CPU)) {
            int cpu = Integer.parseInt(figure.substring(FREE_ON_CPU.length()));
            if (cpu >= 0 && FIGURES.size() + cpu < counters.size()) {
                return counters.get(FIGURES.size() + cpu);
            }
        }
        throw new IllegalArgumentException("no figure " + figure + "; known: " + figureNames() + " and "
            + FREE_ON_CPU + "0 .. " + (counters.size() - FIGURES.size() - 1));
    }

    /** Frees the counters in their manager. Idempotent. */
    @Override
    public void close() {
        counters.forEach(AtomicCounter::close);
    }

    /** One exported figure: its label suffix and how to read it from a snapshot. */
    private static final class Figure {
        final String name;
        final ToLongFunction<SlabStats> value;

        Figure(String name, ToLongFunction<SlabStats> value) {
            this.name = name;
            this.value = value;
        }
    }
}
