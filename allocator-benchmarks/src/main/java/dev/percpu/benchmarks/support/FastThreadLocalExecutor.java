package dev.percpu.benchmarks.support;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of threads that Netty's allocators treat as event-loop threads: Netty
 * {@code FastThreadLocalThread}s made by its own {@link DefaultThreadFactory}, each running
 * with a current executor in Netty's {@link ThreadExecutorMap}, as a thread inside an event
 * loop does. Both matter: Netty's pooled allocator gives a thread cache to a
 * {@code FastThreadLocalThread}, while its adaptive allocator gives thread-local magazines only
 * to a thread with a current executor (or to every thread when built with
 * {@code useCacheForNonEventLoopThreads}). The executor recorded is
 * {@link ImmediateEventExecutor#INSTANCE}: the allocators only ask whether there is one (the
 * pooled allocator would schedule its cache trim on it, which it does only when
 * {@code io.netty.allocator.cacheTrimIntervalMillis} is set; leave that unset).
 *
 * <p>JMH runs benchmark threads on it when the forked JVM has {@code -Djmh.executor=CUSTOM}
 * and {@code -Djmh.executor.class} naming this class; see {@code NettyEventLoopThreadBench}
 * and {@code allocator-benchmarks/scripts/bytebuf-bench.sh}.
 */
public final class FastThreadLocalExecutor extends ThreadPoolExecutor {
    /** The constructor JMH's custom executor option calls. */
    public FastThreadLocalExecutor(int threads, String prefix) {
        super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
            ThreadExecutorMap.apply(new DefaultThreadFactory(prefix, true), ImmediateEventExecutor.INSTANCE));
    }
}
