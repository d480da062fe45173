package dev.percpu.examples.bench;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The allocation matrix (issue #7) for percpu: nanoseconds per slot when a
 * thread allocates a batch of 1, 8, 32 or 128 slots of {@code size} bytes
 * (64 B, 4 KiB, 64 KiB) from a {@link SlabAllocator} and then frees them all.
 * One method per batch size and thread count ({@code batch<N><Threads>}),
 * each with {@code @OperationsPerInvocation(N)}, so every score is the time
 * of one allocate plus one free of one slot, per thread, for any batch size;
 * {@code gc.alloc.rate.norm} is per slot too. Batch 1 is
 * {@code allocate()} + {@code free(address)}, the pair of {@link PercpuBench};
 * batch 8 and up is {@code allocate(long[], n)} + {@code free(long[], n)},
 * one native call per batch each way. Every batch size runs with 1 thread;
 * batches of 1 and 32 also with 2 and with 16 threads (16 oversubscribes a
 * 2-CPU machine). The {@code Matrix*Bench} classes differ only in the
 * allocator.
 *
 * <p>The allocator is shared by all benchmark threads: rseq mode, default
 * per-CPU capacity (512) and batch (32), and min(65536, 1 GiB / size) slots:
 * 65536 of 64 B (4 MiB) or of 4 KiB (256 MiB), 16384 of 64 KiB (1 GiB),
 * reserved with {@code MAP_NORESERVE}. Nobody writes to the slots, so no
 * page of the region is committed. At most 16 x 32 (or 1 x 128) slots are in
 * use at once, plus what the CPU stacks cache; a batch that comes back short
 * fails the run. The teardown fails the run if any slot is still in use
 * (leak check).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MatrixPercpuBench {
    @Param({"64", "4096", "65536"})
    public int size;

    private SlabAllocator allocator;

    /** One address array per benchmark thread, big enough for the largest batch. */
    @State(Scope.Thread)
    public static class Slots {
        final long[] addresses = new long[128];
    }

    @Setup
    public void open() {
        allocator = SlabAllocator.create(SlabConfig.builder().slotSize(size)
            .capacitySlots(Math.min(65536, (1 << 30) / size)).mode(dev.percpu.runtime.Mode.RSEQ).build());
    }

    @TearDown
    public void close() {
        long inUse = allocator.stats().inUse();
        allocator.close();
        if (inUse != 0) {
            throw new IllegalStateException(inUse + " slots still in use after the run");
        }
    }

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
    public int batch8OneThread(Slots slots) {
        return batch(slots.addresses, 8);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(32)
    public int batch32OneThread(Slots slots) {
        return batch(slots.addresses, 32);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(32)
    public int batch32TwoThreads(Slots slots) {
        return batch(slots.addresses, 32);
    }

    @Benchmark
    @Threads(16)
    @OperationsPerInvocation(32)
    public int batch32SixteenThreads(Slots slots) {
        return batch(slots.addresses, 32);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(128)
    public int batch128OneThread(Slots slots) {
        return batch(slots.addresses, 128);
    }

    private long pair() {
        long address = allocator.allocate();
        allocator.free(address);
        return address;
    }

    private int batch(long[] addresses, int n) {
        int got = allocator.allocate(addresses, n);
        allocator.free(addresses, got);
        if (got != n) {
            throw new IllegalStateException("asked for " + n + " slots, got " + got);
        }
        return got;
    }
}
