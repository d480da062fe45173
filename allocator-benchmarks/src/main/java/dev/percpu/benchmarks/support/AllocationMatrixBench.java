package dev.percpu.benchmarks.support;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The allocation matrix, written once for every allocator:
 * nanoseconds per buffer when a thread allocates a batch of 1, 8, 32 or 128
 * buffers of {@code size} bytes (64 B, 4 KiB, 64 KiB) and then frees them
 * all. One method per batch size and thread count ({@code batch<N><Threads>}),
 * each with {@code @OperationsPerInvocation(N)}, so every score is the time
 * of one allocate plus one free of one buffer, per thread, for any batch
 * size; {@code gc.alloc.rate.norm} is per buffer too. Every batch size runs
 * with 1 thread; batches of 1 and 32 also with 2 and with 16 threads (16
 * oversubscribes a 2-CPU machine).
 *
 * <p>A subclass per allocator ({@code Matrix<Allocator>Bench}) says only how
 * to allocate and free: {@link #open()} makes the allocator for buffers of
 * {@link #size} bytes ({@link AllocatorBench}); {@link #pair()} allocates
 * and frees one buffer;
 * {@link #batch(Batch, int)} allocates {@code n} buffers into the thread's
 * {@link Batch} arrays and frees them all; {@link #close()} releases the
 * allocator. Both return a value derived from what they allocated, which
 * JMH consumes.
 */
public abstract class AllocationMatrixBench extends AllocatorBench {
    /** The largest batch: the length of the {@link Batch} arrays. */
    public static final int MAX_BATCH = 128;

    @Param({"64", "4096", "65536"})
    public int size;

    /**
     * One benchmark thread's batch arrays, big enough for the largest batch:
     * {@link #addresses} for allocators that hand out addresses,
     * {@link #objects} for those that hand out buffer objects.
     */
    @State(Scope.Thread)
    public static class Batch {
        public final long[] addresses = new long[MAX_BATCH];
        public final Object[] objects = new Object[MAX_BATCH];
    }

    /** Allocates one buffer of {@link #size} bytes and frees it. */
    protected abstract long pair();

    /** Allocates {@code n} buffers of {@link #size} bytes into {@code batch}, then frees them all. */
    protected abstract long batch(Batch batch, int n);

    @Benchmark
    @Threads(1)
    public long batch1OneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public long batch1TwoThreads() {
        return pair();
    }

    @Benchmark
    @Threads(16)
    public long batch1SixteenThreads() {
        return pair();
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(8)
    public long batch8OneThread(Batch batch) {
        return batch(batch, 8);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(32)
    public long batch32OneThread(Batch batch) {
        return batch(batch, 32);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(32)
    public long batch32TwoThreads(Batch batch) {
        return batch(batch, 32);
    }

    @Benchmark
    @Threads(16)
    @OperationsPerInvocation(32)
    public long batch32SixteenThreads(Batch batch) {
        return batch(batch, 32);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(128)
    public long batch128OneThread(Batch batch) {
        return batch(batch, 128);
    }
}
