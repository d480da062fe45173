package dev.percpu.benchmarks.support;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The benchmark threads of {@link FastThreadLocalExecutor} are what Netty's allocators take for
 * event-loop threads: {@code FastThreadLocalThread}s (Pooled's thread caches) with a current
 * executor (Adaptive's thread-local magazines).
 */
class FastThreadLocalExecutorTest {
    @Test
    void everyThreadIsAFastThreadLocalThreadWithACurrentExecutor() throws Exception {
        FastThreadLocalExecutor executor = new FastThreadLocalExecutor(2, "test");
        try {
            for (int i = 0; i < 4; i++) {
                Thread thread = executor.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
                assertTrue(thread instanceof FastThreadLocalThread, thread + " is not a FastThreadLocalThread");
                EventExecutor current = executor.submit(ThreadExecutorMap::currentExecutor).get(10, TimeUnit.SECONDS);
                assertNotNull(current, "no current executor on " + thread);
            }
        } finally {
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
