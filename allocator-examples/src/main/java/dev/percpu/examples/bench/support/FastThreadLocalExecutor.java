package dev.percpu.examples.bench.support;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A fixed pool of Netty {@code FastThreadLocalThread}s, made by Netty's own
 * {@link DefaultThreadFactory} as for event-loop threads. JMH runs benchmark
 * threads on it when the forked JVM has {@code -Djmh.executor=CUSTOM} and
 * {@code -Djmh.executor.class} naming this class; see
 * {@code NettyEventLoopThreadBench}.
 */
public final class FastThreadLocalExecutor extends ThreadPoolExecutor {
    /** The constructor JMH's custom executor option calls. */
    public FastThreadLocalExecutor(int threads, String prefix) {
        super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), new DefaultThreadFactory(prefix, true));
    }
}
