package dev.percpu.benchmarks.support;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JMH settings every benchmark in these packages shares, written once:
 * JMH reads class annotations from superclasses too. Average time in
 * nanoseconds per operation; 3 warmup and 5 measurement iterations of 1 s;
 * one fork, which gets {@code --enable-native-access=ALL-UNNAMED} (percpu's
 * native library on JDK 22+) and {@code --add-opens
 * java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona's buffers). A benchmark
 * that needs other fork options (the Netty ones on
 * {@link FastThreadLocalExecutor} threads) declares its own {@code @Fork},
 * which replaces this one. Command-line options ({@code -f}, {@code -wi},
 * ...) override all of it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public abstract class BenchmarkSettings {
}
