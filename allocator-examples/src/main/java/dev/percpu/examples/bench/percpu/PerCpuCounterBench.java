package dev.percpu.examples.bench.percpu;

import dev.percpu.primitives.PerCpuCounter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per increment of one shared counter, per thread, with 1 and 2
 * threads: percpu's {@link PerCpuCounter} in rseq and fallback mode (one JNI
 * call, one rseq section or one per-row lock), {@link LongAdder} and
 * {@link AtomicLong}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class PerCpuCounterBench {
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
