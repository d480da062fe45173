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
 * {@link NettyRecyclerBench} with the benchmark threads being Netty
 * {@code FastThreadLocalThread}s ({@link FastThreadLocalExecutor}), as on an
 * event loop, where the Recycler keeps a per-thread pool of objects.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.examples.bench.FastThreadLocalExecutor"})
@State(Scope.Benchmark)
public class NettyRecyclerEventLoopBench {
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
