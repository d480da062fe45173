package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.IdentityHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What {@link ObjectPool} adds to the pool contract: factory, reset hook, exhaustion, limits, no allocation. */
class ObjectPoolTest {
    /** A pooled type with state the reset hook clears. */
    static final class Msg {
        final StringBuilder text = new StringBuilder();
    }

    @Test
    void shouldMakeEveryObjectUpFrontAndNeverMore() {
        AtomicInteger made = new AtomicInteger();
        try (ObjectPool<Msg> pool = ObjectPool.builder(() -> {
            made.incrementAndGet();
            return new Msg();
        }).capacity(5).build()) {
            assertEquals(5, made.get());
            IdentityHashMap<Msg, Boolean> seen = new IdentityHashMap<>();
            PooledObject<Msg>[] held = newHandles(5);
            for (PooledObject<Msg> h : held) {
                pool.acquire(h);
                seen.put(h.get(), true);
            }
            assertEquals(5, seen.size());
            PooledObject<Msg> sixth = new PooledObject<>();
            assertFalse(pool.tryAcquire(sixth), "fail fast: no temporary object");
            assertThrows(PoolExhaustedException.class, () -> pool.acquire(sixth));
            assertEquals(5, made.get());
            for (PooledObject<Msg> h : held) {
                pool.release(h);
            }
        }
    }

    @Test
    void shouldRunTheResetHookOnRelease() {
        try (ObjectPool<Msg> pool = ObjectPool.builder(Msg::new).capacity(1).reset(m -> m.text.setLength(0)).build()) {
            PooledObject<Msg> h = new PooledObject<>();
            pool.acquire(h);
            Msg msg = h.get();
            msg.text.append("hello");
            pool.release(h);
            pool.acquire(h);
            assertSame(msg, h.get());
            assertEquals("", msg.text.toString());
            pool.release(h);
        }
    }

    @Test
    void shouldKeepTheObjectOutWhenTheResetHookThrows() {
        try (ObjectPool<Msg> pool = ObjectPool.builder(Msg::new).capacity(2).reset(m -> {
            if (m.text.length() > 0) {
                throw new IllegalStateException("cannot reset");
            }
        }).build()) {
            PooledObject<Msg> h = new PooledObject<>();
            pool.acquire(h);
            h.get().text.append("x");
            assertThrows(IllegalStateException.class, () -> pool.release(h));
            assertTrue(h.isAcquired(), "the handle still holds it");
            assertEquals(1, pool.stats().inUse());
            h.get().text.setLength(0);
            pool.release(h);
            assertEquals(0, pool.stats().inUse());
        }
    }

    @Test
    void shouldRejectBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> ObjectPool.builder(Msg::new).build(), "capacity is required");
        assertThrows(IllegalArgumentException.class, () -> ObjectPool.builder(Msg::new).capacity(0).build());
        assertThrows(IllegalArgumentException.class, () -> ObjectPool.builder(Msg::new).capacity(4).perCpuCapacity(0).build());
        assertThrows(NullPointerException.class, () -> ObjectPool.builder(() -> null).capacity(1).build());
        assertThrows(NullPointerException.class, () -> ObjectPool.builder(null));
    }

    @Test
    void shouldAllocateNothingPerAcquireAndReleaseInSteadyState() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (ObjectPool<Msg> pool = ObjectPool.builder(Msg::new).capacity(16).reset(m -> m.text.setLength(0)).build()) {
            PooledObject<Msg> h = new PooledObject<>();
            for (int i = 0; i < 50_000; i++) {
                pool.acquire(h);
                pool.release(h);
            }
            long id = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 100_000; i++) {
                pool.acquire(h);
                pool.release(h);
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertTrue(allocated < 10_000, "100 000 acquire/release pairs allocated " + allocated + " bytes");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static PooledObject<Msg>[] newHandles(int n) {
        PooledObject<Msg>[] handles = new PooledObject[n];
        for (int i = 0; i < n; i++) {
            handles[i] = new PooledObject<>();
        }
        return handles;
    }
}
