package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.FastThreadLocalExecutor;
import org.openjdk.jmh.annotations.Fork;

/**
 * {@link NettyRecyclerBench} with the benchmark threads being Netty
 * {@code FastThreadLocalThread}s ({@link FastThreadLocalExecutor}), as on an
 * event loop, where the Recycler keeps a per-thread pool of objects.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor"})
public class NettyRecyclerEventLoopBench extends NettyRecyclerBench {
}
