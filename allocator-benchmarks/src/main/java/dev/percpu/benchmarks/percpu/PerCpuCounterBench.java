package dev.percpu.benchmarks.percpu;

import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.primitives.PerCpuCounter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds per increment of one shared counter, per thread, with 1 and 2
 * threads: percpu's {@link PerCpuCounter} in rseq and fallback mode (one native
 * call, one rseq section or one per-row lock), {@link LongAdder} and
 * {@link AtomicLong}.
 */
@State(Scope.Benchmark)
public class PerCpuCounterBench extends BenchmarkSettings {
    private final PerCpuCounter rseq = PerCpuCounter.create(dev.percpu.runtime.Mode.RSEQ);
    private final PerCpuCounter fallback = PerCpuCounter.create(dev.percpu.runtime.Mode.FALLBACK);
    private final LongAdder adder = new LongAdder();
    private final AtomicLong atomic = new AtomicLong();

    @Benchmark
    @Threads(1)
    public void percpuRseqOneThread() {
        rseq.increment();
    }

    @Benchmark
    @Threads(2)
    public void percpuRseqTwoThreads() {
        rseq.increment();
    }

    @Benchmark
    @Threads(1)
    public void percpuFallbackOneThread() {
        fallback.increment();
    }

    @Benchmark
    @Threads(2)
    public void percpuFallbackTwoThreads() {
        fallback.increment();
    }

    @Benchmark
    @Threads(1)
    public void longAdderOneThread() {
        adder.increment();
    }

    @Benchmark
    @Threads(2)
    public void longAdderTwoThreads() {
        adder.increment();
    }

    @Benchmark
    @Threads(1)
    public long atomicLongOneThread() {
        return atomic.incrementAndGet();
    }

    @Benchmark
    @Threads(2)
    public long atomicLongTwoThreads() {
        return atomic.incrementAndGet();
    }
}
