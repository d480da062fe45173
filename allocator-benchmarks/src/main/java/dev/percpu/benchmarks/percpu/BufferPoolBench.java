package dev.percpu.benchmarks.percpu;

import dev.percpu.BufferPool;
import dev.percpu.PooledBuffer;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.BenchmarkSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds per {@code acquire(handle)} + {@code release(handle)} pair of
 * one 4 KiB buffer from a {@link BufferPool} (65536 buffers, rseq mode),
 * each benchmark thread with its own reused {@link PooledBuffer}; the pair
 * also takes the handle's {@code ByteBuffer} view and writes one long
 * through it, as a user would. One pool is shared by all benchmark threads.
 */
@State(Scope.Benchmark)
public class BufferPoolBench extends BenchmarkSettings {
    private BufferPool pool;

    /** One handle per benchmark thread. */
    @State(Scope.Thread)
    public static class Handle {
        final PooledBuffer buffer = new PooledBuffer();
    }

    @Setup
    public void open() {
        pool = BufferPool.create(SlabConfig.builder().slotSize(4096).capacitySlots(65536).mode(dev.percpu.runtime.Mode.RSEQ).build());
    }

    @TearDown
    public void close() {
        pool.close();
    }

    @Benchmark
    @Threads(1)
    public long oneThread(Handle handle) {
        return pair(handle.buffer);
    }

    @Benchmark
    @Threads(2)
    public long twoThreads(Handle handle) {
        return pair(handle.buffer);
    }

    private long pair(PooledBuffer buffer) {
        pool.acquire(buffer);
        buffer.byteBuffer().putLong(0, 1);
        long address = buffer.address();
        pool.release(buffer);
        return address;
    }
}
