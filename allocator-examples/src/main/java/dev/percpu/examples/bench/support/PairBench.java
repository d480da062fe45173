package dev.percpu.examples.bench.support;

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
 * The pair benchmarks, written once: nanoseconds per allocate + free pair
 * of one buffer, on one thread ({@code oneThread}) and on two threads
 * ({@code twoThreads}) sharing one allocator.
 *
 * <p>A subclass per allocator says only how to allocate and free:
 * {@link #open()} makes the allocator (after JMH has set the subclass's
 * {@code @Param} fields), {@link #pair()} allocates one buffer and frees it
 * and returns a value derived from it, which JMH consumes, {@link #close()}
 * releases the allocator. A subclass that needs other JVM options declares
 * its own {@code @Fork}. Each forked JVM loads one subclass, so the JIT
 * binds {@code pair()} to it statically (class hierarchy analysis) and
 * inlines it as if it were written in the benchmark method.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public abstract class PairBench {
    @Setup
    public final void setUp() {
        open();
    }

    @TearDown
    public final void tearDown() {
        close();
    }

    /** Makes the allocator, shared by all benchmark threads. */
    protected abstract void open();

    /** Releases the allocator. */
    protected void close() {
    }

    /** Allocates one buffer and frees it. */
    protected abstract long pair();

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
}
