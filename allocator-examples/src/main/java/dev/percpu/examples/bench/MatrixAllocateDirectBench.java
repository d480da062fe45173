package dev.percpu.examples.bench;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
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
 * {@code ByteBuffer.allocateDirect(size)}: nanoseconds per buffer when a
 * thread allocates a batch of 1, 8, 32 or 128 direct buffers and then frees
 * them all; per thread, per buffer ({@code @OperationsPerInvocation}).
 *
 * <p>Unlike {@link AllocateDirectBench}, which leaves freeing to the GC,
 * every buffer is freed explicitly with {@code Unsafe.invokeCleaner(buffer)}
 * (the JDK's own cleaner: {@code free} of the memory and release of the
 * direct memory reservation), so nothing accumulates between invocations.
 * An allocation includes what {@code allocateDirect} always does: the
 * reservation against {@code MaxDirectMemorySize}, {@code malloc}, zeroing
 * all {@code size} bytes, and the cleaner's registration.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MatrixAllocateDirectBench {
    @Param({"64", "4096", "65536"})
    public int size;

    private Unsafe unsafe;

    /** One buffer array per benchmark thread, big enough for the largest batch. */
    @State(Scope.Thread)
    public static class Buffers {
        final ByteBuffer[] buffers = new ByteBuffer[128];
    }

    @Setup
    public void find() throws ReflectiveOperationException {
        Field field = Unsafe.class.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        unsafe = (Unsafe) field.get(null);
    }

    @Benchmark
    @Threads(1)
    public ByteBuffer batch1OneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public ByteBuffer batch1TwoThreads() {
        return pair();
    }

    @Benchmark
    @Threads(16)
    public ByteBuffer batch1SixteenThreads() {
        return pair();
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(8)
    public int batch8OneThread(Buffers buffers) {
        return batch(buffers.buffers, 8);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(32)
    public int batch32OneThread(Buffers buffers) {
        return batch(buffers.buffers, 32);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(32)
    public int batch32TwoThreads(Buffers buffers) {
        return batch(buffers.buffers, 32);
    }

    @Benchmark
    @Threads(16)
    @OperationsPerInvocation(32)
    public int batch32SixteenThreads(Buffers buffers) {
        return batch(buffers.buffers, 32);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(128)
    public int batch128OneThread(Buffers buffers) {
        return batch(buffers.buffers, 128);
    }

    private ByteBuffer pair() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        unsafe.invokeCleaner(buffer);
        return buffer;
    }

    private int batch(ByteBuffer[] buffers, int n) {
        for (int i = 0; i < n; i++) {
            buffers[i] = ByteBuffer.allocateDirect(size);
        }
        int capacity = 0;
        for (int i = 0; i < n; i++) {
            capacity += buffers[i].capacity();
            unsafe.invokeCleaner(buffers[i]);
            buffers[i] = null;
        }
        return capacity;
    }
}
