package dev.percpu.examples.bench;

import java.lang.reflect.Field;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import sun.misc.Unsafe;

/**
 * Nanoseconds per {@code Unsafe.allocateMemory(4096)} +
 * {@code Unsafe.freeMemory(address)} pair: glibc {@code malloc}/{@code free}
 * behind HotSpot's native memory entry points.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class UnsafeBench {
    private Unsafe unsafe;

    @Setup
    public void find() throws ReflectiveOperationException {
        Field field = Unsafe.class.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        unsafe = (Unsafe) field.get(null);
    }

    @Benchmark
    @Threads(1)
    public long oneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public long twoThreads() {
        return pair();
    }

    private long pair() {
        long address = unsafe.allocateMemory(4096);
        unsafe.freeMemory(address);
        return address;
    }
}
