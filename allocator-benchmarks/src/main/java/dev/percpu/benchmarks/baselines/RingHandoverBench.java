package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.benchmarks.support.SpscRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

/**
 * The floor of the handover benchmarks: the same two-thread group and
 * {@link SpscRing} of {@value SpscRing#HANDOVER_CAPACITY} entries as
 * {@code PercpuHandoverBench}, but {@code produce} queues a counter value
 * instead of an allocated address and {@code consume} only takes it off.
 * Nanoseconds per value handed over; no allocator at all.
 */
@State(Scope.Group)
public class RingHandoverBench extends BenchmarkSettings {
    private SpscRing ring;

    /** The producer's counter, in its own thread-scoped object so the consumer's line is not written. */
    @State(Scope.Thread)
    public static class Counter {
        long next;
    }

    @Setup
    public void open() {
        ring = new SpscRing(SpscRing.HANDOVER_CAPACITY, false);
    }

    /** Empties the ring (run once all group threads have left the iteration). */
    @TearDown(Level.Iteration)
    public void emptyRing() {
        while (ring.poll() != 0) {
            // discard
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public void produce(Counter counter, Control control) {
        ring.offer(++counter.next, control);
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public long consume(Control control) {
        return ring.poll(control);
    }
}
