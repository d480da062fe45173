package dev.percpu.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.NativeCodes;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A rebalancer started with a thread factory and an error handler runs on
 * the factory's thread, and an error thrown in one of its rounds (here: the
 * capacity change of a move, the test seam of {@link Rebalancer}) reaches
 * the handler on that thread; the rounds go on after it.
 */
class MaintenanceErrorsTest {
    private static final RebalanceSettings SETTINGS = new RebalanceSettings(1_000_000L, 1_000_000_000L, 0.25, 0.75,
        -1, 16, 128, 16);

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldHandARoundsErrorToTheHandlerOnTheFactorysThread(Mode mode) throws Exception {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        IndexPool pool = new IndexPool("MaintenanceErrorsTest", mode, 1024, 64, 128, 16);
        assertEquals(mode, pool.mode());
        assumeTrue(pool.cpus() >= 2, "a capacity move needs two CPUs");
        RuntimeException thrown = new UnsupportedOperationException("a capacity change failed (test)");
        Rebalancer rebalancer = new Rebalancer(pool, null, SETTINGS, (cpu, capacity, excess) -> {
            throw thrown;
        });
        assertTrue(pool.popSlow(NativeCodes.EMPTY) >= 0, "a refill from the depot makes this CPU the one to grow");

        List<Thread> made = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> received = new AtomicReference<>();
        AtomicReference<Thread> receivedOn = new AtomicReference<>();
        AgentRunner runner = rebalancer.start(new SleepingMillisIdleStrategy(1), task -> {
            Thread thread = new Thread(task, "application-maintenance");
            thread.setDaemon(true);
            made.add(thread);
            return thread;
        }, error -> {
            receivedOn.compareAndSet(null, Thread.currentThread());
            received.compareAndSet(null, error);
        });
        try {
            for (int i = 0; i < 20_000 && received.get() == null; i++) {
                LockSupport.parkNanos(1_000_000);
            }
            assertSame(thrown, received.get(), "the round's error reached the handler");
            assertEquals(1, made.size(), "one thread, from the factory");
            assertSame(made.get(0), receivedOn.get(), "on the factory's thread");
            long rounds = pool.snapshot().count(DepotCounter.REBALANCE_ROUNDS);
            for (int i = 0; i < 20_000 && pool.snapshot().count(DepotCounter.REBALANCE_ROUNDS) <= rounds; i++) {
                LockSupport.parkNanos(1_000_000);
            }
            assertTrue(pool.snapshot().count(DepotCounter.REBALANCE_ROUNDS) > rounds, "rounds go on after the error");
        } finally {
            runner.close();
            pool.close(() -> { });
        }
        made.get(0).join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(made.get(0).isAlive(), "closing the runner ended the factory's thread");
    }
}
