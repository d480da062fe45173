package dev.percpu.examples.bench;

import io.netty.util.Recycler;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per {@code get()} + {@code recycle} pair on a Netty
 * {@link Recycler} of small objects (Netty's object pool) with default
 * settings, on JMH's plain threads. Netty 4.2's Recycler keeps objects only
 * for threads whose thread-locals it can clean up ({@code FastThreadLocalThread}s)
 * unless configured otherwise, so here it may hand out a new object per
 * {@code get()}: see {@link NettyRecyclerEventLoopBench} for the event-loop
 * case. Compare with {@link ObjectPoolBench}. One recycler is shared by
 * all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class NettyRecyclerBench {
    private Recycler<RecycledItem> recycler;

    @Setup
    public void open() {
        recycler = RecycledItem.recycler();
    }

    @Benchmark
    @Threads(1)
    public RecycledItem oneThread() {
        return RecycledItem.pair(recycler);
    }

    @Benchmark
    @Threads(2)
    public RecycledItem twoThreads() {
        return RecycledItem.pair(recycler);
    }
}
