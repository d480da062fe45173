package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.ConservationStress;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rules every pool type keeps, in every mode and with debug mode on
 * and off: the class runs once per mode ({@link Mode#RSEQ}, skipped only where
 * the set-up declares no registration (RseqAvailability), and
 * {@link Mode#FALLBACK}), each test parameterized by {@link PoolKind}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
class PoolContractTest {
    private final Mode mode;
    private final List<PoolKind.Pool> opened = new ArrayList<>();
    private final List<LeakReport> leaks = new java.util.concurrent.CopyOnWriteArrayList<>();

    PoolContractTest(Mode mode) {
        this.mode = mode;
    }

    Mode mode() {
        return mode;
    }

    @BeforeEach
    void needRseq() {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
    }

    PoolKind.Pool open(PoolKind kind, int capacity) {
        PoolKind.Pool pool = kind.open(mode(), capacity, leaks);
        opened.add(pool);
        assertEquals(mode(), pool.mode());
        return pool;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(PoolKind.Pool::close);
    }

    @ParameterizedTest
    @EnumSource(PoolKind.class)
    void shouldHandOutDistinctItemsUntilExhaustedThenRecoverThemAll(PoolKind kind) {
        PoolKind.Pool pool = open(kind, 200);
        List<Object> held = pool.acquireAll(300);
        assertEquals(200, held.size(), "exactly the capacity, then exhausted");
        assertNull(pool.tryAcquire());
        Set<Object> distinct = new HashSet<>();
        held.forEach(h -> distinct.add(pool.identity(h)));
        assertEquals(200, distinct.size(), "no item handed out twice");
        assertEquals(200, pool.stats().inUse());
        held.forEach(pool::release);
        assertEquals(0, pool.stats().inUse());
        assertEquals(200, pool.acquireAll(300).size(), "every item comes back");
    }

    @ParameterizedTest
    @EnumSource(PoolKind.class)
    void shouldRejectADoubleReleaseAndStayIntact(PoolKind kind) {
        assumeTrue(kind.catchesDoubleRelease(), "a raw address double free is caught in debug mode only");
        PoolKind.Pool pool = open(kind, 50);
        Object a = pool.tryAcquire();
        Object b = pool.tryAcquire();
        pool.release(a);
        RuntimeException e = assertThrows(RuntimeException.class, () -> pool.release(a));
        assertTrue(e instanceof IllegalStateException || e instanceof IllegalArgumentException, e.toString());
        assertEquals(1, pool.stats().inUse(), "b is still out, a is back once");
        pool.release(b);
        List<Object> all = pool.acquireAll(100);
        assertEquals(50, all.size());
        Set<Object> distinct = new HashSet<>();
        all.forEach(h -> distinct.add(pool.identity(h)));
        assertEquals(50, distinct.size(), "nothing is on a freelist twice");
    }

    @ParameterizedTest
    @EnumSource(PoolKind.class)
    void shouldRejectReleaseToTheWrongPoolAndLeaveBothIntact(PoolKind kind) {
        PoolKind.Pool first = open(kind, 10);
        PoolKind.Pool second = open(kind, 10);
        Object fromSecond = second.tryAcquire();
        assertThrows(IllegalArgumentException.class, () -> first.release(fromSecond));
        assertEquals(0, first.stats().inUse());
        assertEquals(1, second.stats().inUse());
        second.release(fromSecond);
        assertEquals(0, second.stats().inUse());
        assertEquals(10, first.acquireAll(20).size());
    }

    @ParameterizedTest
    @EnumSource(PoolKind.class)
    void shouldThrowIllegalStateAfterClose(PoolKind kind) {
        PoolKind.Pool pool = open(kind, 10);
        Object held = pool.tryAcquire();
        pool.close();
        assertThrows(IllegalStateException.class, pool::tryAcquire);
        assertThrows(IllegalStateException.class, () -> pool.release(held));
        assertThrows(IllegalStateException.class, pool::stats);
        pool.close();
        if (kind.debug) {
            assertEquals(1, leaks.size(), "debug mode reported the item still out");
        }
    }

    @ParameterizedTest
    @EnumSource(PoolKind.class)
    void shouldKeepEveryItemOwnedExactlyOnceUnderStress(PoolKind kind) throws Exception {
        int capacity = 2048;
        PoolKind.Pool pool = open(kind, capacity);
        ConservationStress.of(new ConservationStress.Subject<Object>() {
            @Override
            public void acquire(List<Object> into, int n) {
                for (int i = 0; i < n; i++) {
                    Object h = pool.tryAcquire();
                    if (h == null) {
                        return;
                    }
                    into.add(h);
                }
            }

            @Override
            public void release(List<Object> items) {
                items.forEach(pool::release);
            }

            @Override
            public void mark(Object h, long owner) {
                pool.mark(h, owner);
            }

            @Override
            public boolean hasMark(Object h, long owner) {
                return pool.markOf(h) == owner;
            }
        }, 64).run(500);
        assertEquals(0, pool.stats().inUse(), "everything came back");
        List<Object> all = pool.acquireAll(capacity + 1);
        ConservationStress.assertOwnedExactlyOnce(all.stream().map(pool::identity).toList(), capacity, "items");
    }

    /**
     * 10 000 virtual threads (JDK 21+; skipped on 17) each acquire and
     * release 50 times, yielding between pairs, never while holding. Memory
     * must stay bounded by CPUs, not threads: a pool carves fresh items only
     * when its depot is empty, so it never uses more items than its per-CPU
     * caches hold, plus one refill batch, plus what the carrier threads (one
     * per processor) can hold at once.
     */
    @ParameterizedTest
    @EnumSource(PoolKind.class)
    void shouldServeThousandsOfVirtualThreadsWithMemoryBoundedByCpus(PoolKind kind) throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        int capacity = 100_000;
        int threads = 10_000;
        PoolKind.Pool pool = open(kind, capacity);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong pairs = new AtomicLong();
        Method perTask = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        ExecutorService executor = (ExecutorService) perTask.invoke(null);
        try {
            for (int t = 0; t < threads; t++) {
                long owner = t + 1;
                executor.execute(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            Object h = pool.tryAcquire();
                            if (h == null) {
                                throw new AssertionError("exhausted with " + capacity + " items");
                            }
                            pool.mark(h, owner);
                            if (pool.markOf(h) != owner) {
                                throw new AssertionError("overwritten while held");
                            }
                            pool.release(h);
                            pairs.incrementAndGet();
                            Thread.yield();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
        } finally {
            executor.shutdown();
        }
        assertTrue(executor.awaitTermination(120, TimeUnit.SECONDS));
        if (failure.get() != null) {
            throw new AssertionError("a virtual thread failed", failure.get());
        }
        assertEquals(50L * threads, pairs.get());
        SlabStats stats = pool.stats();
        assertEquals(0, stats.inUse());
        // per-CPU caches of 64, one refill batch (16, or 32 for ObjectPool), what running carriers hold (slack x2)
        long bound = (long) stats.cpus() * 64 + 32 + 2L * Runtime.getRuntime().availableProcessors();
        assertTrue(stats.carvedSlots() <= bound, "items ever used: " + stats.carvedSlots() + ", bound by CPUs: " + bound
            + " (" + threads + " threads)");
    }
}
