package dev.percpu.examples.bench.baselines;

import dev.percpu.examples.bench.support.SpscRing;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The floor of the handover benchmarks: the same two-thread group and
 * {@link SpscRing} of {@value SpscRing#HANDOVER_CAPACITY} entries as
 * {@code PercpuHandoverBench}, but {@code produce} queues a counter value
 * instead of an allocated address and {@code consume} only takes it off.
 * Nanoseconds per value handed over; no allocator at all.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Group)
public class RingHandoverBench {
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
        long value = ++counter.next;
        while (!ring.offer(value)) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public long consume(Control control) {
        long value;
        while ((value = ring.poll()) == 0) {
            if (control.stopMeasurement) {
                return 0;
            }
            Thread.onSpinWait();
        }
        return value;
    }
}
