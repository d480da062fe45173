package dev.percpu.benchmarks.percpu;

import dev.percpu.benchmarks.support.SpscRing;
import dev.percpu.examples.shared.NamedAllocator;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * Allocate on one thread, release on another, as in a Netty pipeline: the
 * producer allocates a {@code ByteBuf} of {@code size} bytes, writes a long
 * and queues it on a {@link SpscRing} of {@value #RING} references; the
 * consumer takes it off and releases it. Nanoseconds per buffer handed over
 * ({@link dev.percpu.benchmarks.baselines.RingHandoverBench} is the floor
 * without an allocator). Allocators and settings in {@link NamedAllocator} (made by {@link ByteBufSizes#allocator(String)});
 * leak detection off.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Group)
public class ByteBufHandoverBench {
    static final int RING = 1024;

    @Param({"percpu", "pooled", "pooledAllThreads", "adaptive"})
    public String allocator;

    @Param({"4096"})
    public int size;

    private NamedAllocator named;
    private ByteBufAllocator alloc;
    private SpscRing ring;

    @Setup
    public void open() {
        named = ByteBufSizes.allocator(allocator);
        alloc = named.allocator();
        ring = new SpscRing(RING, true);
    }

    /** Releases what is left in the ring (run once both threads have left the iteration). */
    @TearDown(Level.Iteration)
    public void emptyRing() {
        Object b;
        while ((b = ring.pollRef()) != null) {
            ((ByteBuf) b).release();
        }
    }

    @TearDown
    public void close() {
        named.close();
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public void produce(Control control) {
        ByteBuf b = alloc.directBuffer(size);
        b.writeLong(size);
        while (!ring.offerRef(b)) {
            if (control.stopMeasurement) {
                b.release();
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public boolean consume(Control control) {
        Object b;
        while ((b = ring.pollRef()) == null) {
            if (control.stopMeasurement) {
                return false;
            }
            Thread.onSpinWait();
        }
        return ((ByteBuf) b).release();
    }
}
