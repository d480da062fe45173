package dev.percpu.examples.bench.percpu;

import dev.percpu.runtime.Mode;
import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.netty.PercpuByteBufAllocator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where a {@code PercpuByteBufAllocator} 4 KiB allocate + release goes, one
 * thread, rseq mode, leak detection off: the size-class pair underneath
 * ({@code tryAllocate} + {@code free}), one atomic
 * {@code getAndAdd} (the reference count's last release is one such atomic
 * in Netty's {@code RefCnt}), and the whole {@code ByteBuf} pair.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class ByteBufCostBench {
    private SizeClassAllocator classes;
    private PercpuByteBufAllocator alloc;
    private final AtomicInteger refCnt = new AtomicInteger();

    @Setup
    public void open() {
        classes = SizeClassAllocator.create(SizeClassConfig.builder().mode(Mode.RSEQ).build());
        alloc = PercpuByteBufAllocator.builder().mode(Mode.RSEQ).build();
    }

    @TearDown
    public void close() {
        classes.close();
        alloc.close();
    }

    @Benchmark
    public void sizeClassPair() {
        classes.free(classes.tryAllocate(4096));
    }

    @Benchmark
    public int atomicDecrement() {
        refCnt.lazySet(2);
        return refCnt.getAndAdd(-2);
    }

    @Benchmark
    public boolean byteBufPair() {
        return alloc.directBuffer(4096).release();
    }
}
