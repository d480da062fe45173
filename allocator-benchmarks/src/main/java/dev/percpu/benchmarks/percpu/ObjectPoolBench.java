package dev.percpu.benchmarks.percpu;

import dev.percpu.ObjectPool;
import dev.percpu.PooledObject;
import dev.percpu.benchmarks.support.BenchmarkSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds per {@code acquire(handle)} + {@code release(handle)} pair on
 * an {@link ObjectPool} of 65536 small objects (rseq mode, no reset hook),
 * each benchmark thread with its own reused {@link PooledObject}; the pair
 * writes one field of the object. Compare with {@link dev.percpu.benchmarks.baselines.NettyRecyclerBench}.
 * One pool is shared by all benchmark threads.
 */
@State(Scope.Benchmark)
public class ObjectPoolBench extends BenchmarkSettings {
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
