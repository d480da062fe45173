package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.benchmarks.support.SpscRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
@State(Scope.Group)
public abstract class NettyHandoverBench extends BenchmarkSettings {
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
        if (!ring.offerRef(buffer, control)) {
            buffer.release();
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public boolean consume(Control control) {
        Object buffer = ring.pollRef(control);
        return buffer != null && ((ByteBuf) buffer).release();
    }
}
