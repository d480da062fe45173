package dev.percpu.benchmarks.percpu;

import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.primitives.EventCount;
import dev.percpu.primitives.PerCpuLongArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds for the event-count protocol on one thread: a begin + commit
 * pair (two rseq sections, two native calls, the per-CPU value read in
 * between), beside a single compare-and-set on a {@link PerCpuLongArray}
 * (one section, one call). Results that are not OK are counted in the
 * returned value so the JIT cannot drop them.
 */
@State(Scope.Benchmark)
@Threads(1)
public class EventCountBench extends BenchmarkSettings {
    private final EventCount events = EventCount.create(dev.percpu.runtime.Mode.RSEQ);
    private final PerCpuLongArray values = PerCpuLongArray.create(1, dev.percpu.runtime.Mode.RSEQ);

    @Benchmark
    public int beginReadCommit() {
        long ticket = events.begin();
        long next = values.get(EventCount.cpuOf(ticket), 0) + 1;
        return events.commit(ticket, values, 0, next);
    }

    @Benchmark
    public int compareAndSet() {
        return values.compareAndSet(0, 0, 0);
    }
}
