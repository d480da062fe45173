package dev.percpu.examples.bench.baselines;

import dev.percpu.examples.bench.support.SpscRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * Nanoseconds per 4 KiB buffer handed from one thread to another with a
 * Netty allocator: {@code produce} calls {@code directBuffer(4096)} and
 * queues the buffer on a {@link SpscRing} of
 * {@value SpscRing#HANDOVER_CAPACITY} entries, {@code consume} takes it off
 * and calls {@code release()}, on another (plain) thread. Score and B/op as
 * in {@code PercpuHandoverBench}: the group's time per operation is the time
 * per buffer; {@code gc.alloc.rate.norm} is half the heap bytes per buffer.
 * Nobody writes to the buffers. A subclass says which allocator
 * ({@link #newAllocator()}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Group)
public abstract class NettyHandoverBench {
    private ByteBufAllocator allocator;
    private SpscRing ring;

    /** The allocator to measure. */
    protected abstract ByteBufAllocator newAllocator();

    @Setup
    public final void open() {
        allocator = newAllocator();
        ring = new SpscRing(SpscRing.HANDOVER_CAPACITY, true);
    }

    /** Releases what is still in the ring (run once all group threads have left the iteration). */
    @TearDown(Level.Iteration)
    public final void emptyRing() {
        for (Object buffer = ring.pollRef(); buffer != null; buffer = ring.pollRef()) {
            ((ByteBuf) buffer).release();
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public void produce(Control control) {
        ByteBuf buffer = allocator.directBuffer(4096);
        while (!ring.offerRef(buffer)) {
            if (control.stopMeasurement) {
                buffer.release();
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public boolean consume(Control control) {
        Object buffer;
        while ((buffer = ring.pollRef()) == null) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return ((ByteBuf) buffer).release();
    }
}
