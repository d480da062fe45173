package dev.percpu.examples.bench.percpu;

import dev.percpu.ObjectPool;
import dev.percpu.PooledObject;
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
 * Nanoseconds per {@code acquire(handle)} + {@code release(handle)} pair on
 * an {@link ObjectPool} of 65536 small objects (rseq mode, no reset hook),
 * each benchmark thread with its own reused {@link PooledObject}; the pair
 * writes one field of the object. Compare with {@link dev.percpu.examples.bench.baselines.NettyRecyclerBench}.
 * One pool is shared by all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ObjectPoolBench {
    /** The pooled type. */
    public static final class Item {
        long value;
    }

    private ObjectPool<Item> pool;

    /** One handle per benchmark thread. */
    @State(Scope.Thread)
    public static class Handle {
        final PooledObject<Item> item = new PooledObject<>();
    }

    @Setup
    public void open() {
        pool = ObjectPool.builder(Item::new).capacity(65536).mode(dev.percpu.runtime.Mode.RSEQ).build();
    }

    @TearDown
    public void close() {
        pool.close();
    }

    @Benchmark
    @Threads(1)
    public Item oneThread(Handle handle) {
        return pair(handle.item);
    }

    @Benchmark
    @Threads(2)
    public Item twoThreads(Handle handle) {
        return pair(handle.item);
    }

    private Item pair(PooledObject<Item> handle) {
        pool.acquire(handle);
        Item item = handle.get();
        item.value++;
        pool.release(handle);
        return item;
    }
}
