package dev.percpu.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link SlowPathLock}'s protocol, each rule on its own: mutual exclusion, a waiting maintainer
 * ahead of slow paths, a slow path that waits without queuing, release by the holder only. The
 * waits below are progress waits on states the protocol reaches (no deadline is asserted);
 * jcstress covers the same rules under interleavings (allocator-jcstress).
 */
class SlowPathLockTest {
    private final SlowPathLock lock = new SlowPathLock();

    @Test
    void shouldBeHeldByTheCallerOfEitherMethodUntilItUnlocks() {
        lock.lockForSlowPath();
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
        assertFalse(lock.isHeldByCurrentThread());
        lock.lockForMaintenance();
        assertTrue(lock.isHeldByCurrentThread());
        assertEquals(0, lock.maintainersWaiting(), "a maintainer that holds the lock no longer counts as waiting");
        lock.unlock();
        assertFalse(lock.isHeldByCurrentThread());
    }

    @Test
    void shouldRefuseAnUnlockByAThreadThatDoesNotHoldIt() throws Exception {
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
        lock.lockForMaintenance();
        try {
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    lock.unlock();
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.start();
            t.join();
            assertTrue(other.get() instanceof IllegalMonitorStateException, String.valueOf(other.get()));
            assertTrue(lock.isHeldByCurrentThread(), "still held by this thread");
        } finally {
            lock.unlock();
        }
    }

    @Test
    void shouldKeepCallersOfBothKindsMutuallyExclusive() throws Exception {
        int perThread = 20_000;
        long[] counter = new long[1];
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < 4; t++) {
            boolean maintenance = t % 2 == 0;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        if (maintenance) {
                            lock.lockForMaintenance();
                        } else {
                            lock.lockForSlowPath();
                        }
                        try {
                            counter[0]++;
                        } finally {
                            lock.unlock();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
        lock.lockForMaintenance();
        try {
            assertEquals(4L * perThread, counter[0], "no increment lost: one holder at a time");
        } finally {
            lock.unlock();
        }
    }

    @Test
    void shouldServeAWaitingMaintainerBeforeASlowPath() throws Exception {
        List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        lock.lockForMaintenance();
        Thread maintainer = new Thread(() -> {
            lock.lockForMaintenance();
            order.add("maintenance");
            lock.unlock();
        });
        maintainer.start();
        awaitState(() -> lock.maintainersWaiting() == 1);
        CountDownLatch slowPathStarted = new CountDownLatch(1);
        Thread slowPath = new Thread(() -> {
            slowPathStarted.countDown();
            lock.lockForSlowPath();
            order.add("slow path");
            lock.unlock();
        });
        slowPath.start();
        slowPathStarted.await();
        // From here on the slow path tries only while no maintainer waits: it cannot pass the one above.
        lock.unlock();
        maintainer.join();
        slowPath.join();
        assertEquals(List.of("maintenance", "slow path"), order);
        assertEquals(0, lock.maintainersWaiting());
    }

    @Test
    void shouldWaitOnATakenLockWithoutEnteringItsQueue() throws Exception {
        lock.lockForMaintenance();
        Thread slowPath = new Thread(() -> {
            lock.lockForSlowPath();
            lock.unlock();
        });
        slowPath.start();
        // Its tries and yields spent, the slow path parks for a time: TIMED_WAITING, never WAITING in the queue.
        awaitState(() -> slowPath.getState() == Thread.State.TIMED_WAITING);
        assertFalse(lock.hasQueuedThreads(), "a slow path never queues on the lock");
        lock.unlock();
        slowPath.join();
        assertFalse(lock.hasQueuedThreads());
    }

    @Test
    void shouldQueueAMaintainerOnATakenLock() throws Exception {
        lock.lockForSlowPath();
        Thread maintainer = new Thread(() -> {
            lock.lockForMaintenance();
            lock.unlock();
        });
        maintainer.start();
        awaitState(lock::hasQueuedThreads);
        assertEquals(1, lock.maintainersWaiting(), "announced while it waits");
        lock.unlock();
        maintainer.join();
        assertEquals(0, lock.maintainersWaiting());
    }

    /** Waits until {@code reached} holds; the protocol guarantees it eventually does. */
    private static void awaitState(BooleanSupplier reached) throws InterruptedException {
        while (!reached.getAsBoolean()) {
            Thread.sleep(1);
        }
    }
}
