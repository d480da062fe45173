package dev.percpu.benchmarks.percpu;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.BenchmarkSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds per slot of a batch pair: {@code allocate(long[32], 32)} then
 * {@code free(long[], n)} of 4 KiB slots from one {@link SlabAllocator}
 * (65536 slots, default per-CPU capacity and batch, rseq mode), one native
 * call per batch in each direction. {@code @OperationsPerInvocation(32)}, so
 * the score is per slot (one allocate + one free of a slot), comparable to
 * the C floor's "c rseq batch 32, per slot". Each benchmark thread has its
 * own array; the allocator is shared.
 */
@State(Scope.Benchmark)
public class BatchBench extends BenchmarkSettings {
    static final int BATCH = 32;

    private SlabAllocator allocator;

    /** One batch array per benchmark thread. */
    @State(Scope.Thread)
    public static class Slots {
        final long[] addresses = new long[BATCH];
    }

    @Setup
    public void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(4096).capacitySlots(65536)
                .mode(dev.percpu.runtime.Mode.RSEQ).build());
    }

    @TearDown
    public void close() {
        allocator.close();
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public int oneThread(Slots slots) {
        return batch(slots.addresses);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BATCH)
    public int twoThreads(Slots slots) {
        return batch(slots.addresses);
    }

    private int batch(long[] addresses) {
        int n = allocator.allocate(addresses, BATCH);
        allocator.free(addresses, n);
        return n;
    }
}
