package dev.percpu.examples.bench;

import java.lang.reflect.Field;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import sun.misc.Unsafe;

/**
 * The allocation matrix of {@link MatrixPercpuBench} for
 * {@code Unsafe.allocateMemory(size)} + {@code Unsafe.freeMemory(address)}
 * (glibc {@code malloc}/{@code free} behind HotSpot's native memory entry
 * points): nanoseconds per block when a thread allocates a batch of 1, 8, 32
 * or 128 blocks of {@code size} bytes and then frees them all; per thread,
 * per block ({@code @OperationsPerInvocation}). All sizes are below glibc's
 * default mmap threshold (128 KiB), so every block comes from a malloc arena.
 * The blocks are not written.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MatrixUnsafeBench {
    @Param({"64", "4096", "65536"})
    public int size;

    private Unsafe unsafe;

    /** One address array per benchmark thread, big enough for the largest batch. */
    @State(Scope.Thread)
    public static class Blocks {
        final long[] addresses = new long[128];
    }

    @Setup
    public void find() throws ReflectiveOperationException {
        Field field = Unsafe.class.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        unsafe = (Unsafe) field.get(null);
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
    public long batch8OneThread(Blocks blocks) {
        return batch(blocks.addresses, 8);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(32)
    public long batch32OneThread(Blocks blocks) {
        return batch(blocks.addresses, 32);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(32)
    public long batch32TwoThreads(Blocks blocks) {
        return batch(blocks.addresses, 32);
    }

    @Benchmark
    @Threads(16)
    @OperationsPerInvocation(32)
    public long batch32SixteenThreads(Blocks blocks) {
        return batch(blocks.addresses, 32);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(128)
    public long batch128OneThread(Blocks blocks) {
        return batch(blocks.addresses, 128);
    }

    private long pair() {
        long address = unsafe.allocateMemory(size);
        unsafe.freeMemory(address);
        return address;
    }

    private long batch(long[] addresses, int n) {
        for (int i = 0; i < n; i++) {
            addresses[i] = unsafe.allocateMemory(size);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += addresses[i];
            unsafe.freeMemory(addresses[i]);
        }
        return sum;
    }
}
