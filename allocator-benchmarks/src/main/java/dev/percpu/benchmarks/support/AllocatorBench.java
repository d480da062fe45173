package dev.percpu.benchmarks.support;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The life cycle of a base class that holds a family's {@code @Benchmark}
 * methods for every allocator ({@link PairBench},
 * {@link AllocationMatrixBench}): one allocator shared by all benchmark
 * threads, made by the subclass's {@link #open()} once JMH has set its
 * {@code @Param} fields, and released by its {@link #close()} after the
 * trial.
 */
@State(Scope.Benchmark)
public abstract class AllocatorBench extends BenchmarkSettings {
    @Setup
    public final void setUp() {
        open();
    }

    @TearDown
    public final void tearDown() {
        close();
    }

    /** Makes the allocator; nothing by default (for allocators that need no instance, such as malloc). */
    protected void open() {
    }

    /** Releases the allocator; a subclass that can check for leaks fails the run here. */
    protected void close() {
    }
}
