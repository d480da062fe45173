package dev.percpu.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock of one {@link IndexPool}: it guards the depot, its counters and scratch array, the
 * closed flag's writes, and serialises the remote operations of the stacks. The fast path never
 * takes it.
 *
 * <p>The protocol, for its two kinds of caller:
 * <ul>
 *   <li>Maintenance (drain, snapshot, close, the rebalancer, trimming) calls
 *       {@link #lockForMaintenance()}: it announces itself in {@link #maintainersWaiting()}, then
 *       queues in {@link ReentrantLock#lock()} and is served in the lock's own (unfair) order.</li>
 *   <li>A slow path (refill, flush, a depot operation, a steal) calls {@link #lockForSlowPath()}:
 *       it only ever tries the lock, and only while no maintainer is waiting. A taken lock is tried
 *       again, spinning {@value #SPINS} times, then yielding up to {@value #TRY_LOCKS} tries in
 *       all, then parking for a time that doubles from 1 us up to {@value #MAX_PARK_NANOS} ns. A
 *       slow path never enters the lock's queue.</li>
 *   <li>Both release with {@link #unlock()}, on the thread that took the lock.</li>
 * </ul>
 *
 * <p>What it promises: mutual exclusion (with the happens-before order of {@link ReentrantLock})
 * among every caller; a waiting maintainer is never overtaken by a slow path that starts trying
 * after it announced itself; no order among slow paths. Why each half (docs/design.md, "Depot and
 * slow paths", has the figures): a lock that maintenance takes on the same terms as slow paths
 * lets hundreds of (virtual) threads living on the slow path starve it, and a lock that slow paths
 * queue on, even a fair one, lets thousands of virtual threads park in its queue, each holding a
 * slot it is returning, so the pool would carve far beyond its per-CPU bound. Trying instead of
 * queuing also keeps a slow path free of heap allocation: {@code lock()} makes a queue node on
 * the heap each time it finds the lock taken.
 */
final class SlowPathLock {
    /** Tries of a taken lock before a slow path parks, the first {@link #SPINS} spinning, the rest yielding. */
    static final int TRY_LOCKS = 256;
    /** Tries of a taken lock that spin before a slow path yields. */
    static final int SPINS = 64;
    /** The longest park between two tries of a slow path, once its tries and yields are spent. */
    static final long MAX_PARK_NANOS = 1_000_000;
    /** The first park of a slow path whose tries and yields are spent; each next one doubles. */
    private static final long FIRST_PARK_NANOS = 1_000;
    /**
     * Resolves {@link LockSupport}, which only {@link #lockForSlowPath()}'s parking branch calls, when
     * this class is initialised (with the first pool). That branch runs only when the lock stays taken
     * through every try (its holder preempted, on a loaded machine), possibly for the first time long
     * after start-up; the first call from this class would then resolve the class through the
     * application class loader, which runs Java code that allocates on the calling thread, in the
     * middle of a zero-GC application's steady state.
     */
    private static final Class<LockSupport> PARKING = LockSupport.class;

    private final ReentrantLock lock = new ReentrantLock();
    /** Maintenance callers waiting for {@link #lock}; slow paths do not try it while this is non-zero. */
    private final AtomicInteger maintainersWaiting = new AtomicInteger();

    /** Takes the lock ahead of any slow path that is trying it; waits in the lock's queue. */
    void lockForMaintenance() {
        maintainersWaiting.incrementAndGet();
        try {
            lock.lock();
        } finally {
            maintainersWaiting.decrementAndGet();
        }
    }

    /** Takes the lock once no maintainer waits for it, without ever queuing on it (see the class comment). */
    void lockForSlowPath() {
        long parkNanos = FIRST_PARK_NANOS;
        for (int attempt = 0; ; attempt++) {
            if (maintainersWaiting.get() == 0 && lock.tryLock()) {
                return;
            }
            if (attempt < SPINS) {
                Thread.onSpinWait();
            } else if (attempt < TRY_LOCKS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(parkNanos);
                parkNanos = Math.min(2 * parkNanos, MAX_PARK_NANOS);
            }
        }
    }

    /**
     * Releases the lock taken by either method.
     *
     * @throws IllegalMonitorStateException when the calling thread does not hold it
     */
    void unlock() {
        lock.unlock();
    }

    /** Whether the calling thread holds the lock. */
    boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /** Maintenance callers announced and not yet holding the lock: a recent value. */
    int maintainersWaiting() {
        return maintainersWaiting.get();
    }

    /** Whether any thread waits in the lock's queue (only maintainers ever do): a recent value. */
    boolean hasQueuedThreads() {
        return lock.hasQueuedThreads();
    }
}
