package dev.percpu.benchmarks.support;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Threads;

/**
 * The pair benchmarks, written once: nanoseconds per allocate + free pair
 * of one buffer, on one thread ({@code oneThread}) and on two threads
 * ({@code twoThreads}) sharing one allocator.
 *
 * <p>A subclass per allocator says only how to allocate and free:
 * {@link #open()} makes the allocator ({@link AllocatorBench}),
 * {@link #pair()} allocates one buffer and frees it and returns a value
 * derived from it, which JMH consumes, {@link #close()} releases the
 * allocator. Each forked JVM loads one subclass, so the JIT
 * binds {@code pair()} to it statically (class hierarchy analysis) and
 * inlines it as if it were written in the benchmark method.
 */
public abstract class PairBench extends AllocatorBench {
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
