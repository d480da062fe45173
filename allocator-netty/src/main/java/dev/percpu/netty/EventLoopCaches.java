package dev.percpu.netty;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The front caches of a {@link PercpuByteBufAllocator}: one
 * {@link EventLoopCache} per {@code FastThreadLocalThread} that uses it
 * (Netty's event loops are such threads), none on any other thread
 * (platform or virtual), and none in debug mode.
 *
 * <p>Bound: each cache holds at most {@code capacities[c]} buffers of class
 * {@code c}, so at most {@link #boundBytesPerThread()} bytes, and there is
 * one cache per event-loop thread: the memory cached this way grows with
 * event loops (a fixed, small number), never with the threads or virtual
 * threads an application runs. The per-CPU freelists stay the backbone:
 * a cache miss, a full stack and every other thread go to them.
 *
 * <p>When a cache empties (its buffers' blocks go back to the per-CPU
 * freelists, from where hand-back returns what is not needed):
 * <ul>
 *   <li>idle: on a thread of a Netty event executor that can schedule
 *       tasks, a task scheduled on that executor every {@code idleWindow}
 *       empties the cache when the thread served nothing from it in the
 *       window;</li>
 *   <li>thread end: by Netty's {@code FastThreadLocal} clean-up on the
 *       ending thread, or, for a thread that ends without it, by the next
 *       thread to get a cache or by {@link #emptyEnded()} (the end of a
 *       thread happens-before another thread sees {@code isAlive()} false);</li>
 *   <li>allocator closed: at the owner's next allocation or release, by the
 *       executor task, or at the owner's end.</li>
 * </ul>
 * A {@code FastThreadLocalThread} outside any event executor (or under one
 * that cannot schedule) keeps its cached buffers while it lives and does not
 * use the allocator: at most the bound.
 */
final class EventLoopCaches {
    private final PercpuByteBufAllocator alloc;
    private final int[] capacities;
    private final long boundBytes;
    private final boolean enabled;
    private final long idleWindowNanos;
    private final FastThreadLocal<EventLoopCache> local = new FastThreadLocal<>() {
        @Override
        protected EventLoopCache initialValue() {
            return open();
        }

        @Override
        protected void onRemoval(EventLoopCache cache) {
            close(cache);
        }
    };
    /** Every cache alive, guarded by itself. */
    private final List<EventLoopCache> all = new ArrayList<>();

    /**
     * @param capacities buffers cached per class (0: the class is not cached); all 0 disables caching
     */
    EventLoopCaches(PercpuByteBufAllocator alloc, int[] classSizes, int[] capacities, long idleWindowNanos) {
        this.alloc = alloc;
        this.capacities = capacities.clone();
        this.idleWindowNanos = idleWindowNanos;
        long bytes = 0;
        for (int c = 0; c < capacities.length; c++) {
            bytes += (long) capacities[c] * classSizes[c];
        }
        this.boundBytes = bytes;
        this.enabled = bytes > 0;
    }

    /**
     * Buffers cached per class for a cache of {@code bytesPerClass} bytes a class: as many blocks
     * as fit, at most {@code maxPerClass}; classes larger than {@code bytesPerClass} are not cached.
     */
    static int[] capacities(int[] classSizes, int bytesPerClass, int maxPerClass) {
        int[] capacities = new int[classSizes.length];
        for (int c = 0; c < classSizes.length; c++) {
            capacities[c] = Math.min(maxPerClass, bytesPerClass / classSizes[c]);
        }
        return capacities;
    }

    /** The most one thread's cache holds, in bytes. */
    long boundBytesPerThread() {
        return boundBytes;
    }

    /** The calling thread's cache, or null when it has none (not a {@code FastThreadLocalThread}, or caching off). */
    EventLoopCache current() {
        if (!enabled || !(Thread.currentThread() instanceof FastThreadLocalThread)) {
            return null;
        }
        return local.get();
    }

    /** Caches alive now. */
    int caches() {
        synchronized (all) {
            return all.size();
        }
    }

    /** Empties the calling thread's cache; returns whether it has one. */
    boolean emptyCurrent() {
        if (enabled && Thread.currentThread() instanceof FastThreadLocalThread && local.isSet()) {
            local.get().empty(alloc);
            return true;
        }
        return false;
    }

    /** Empties and forgets the caches of threads that have ended. */
    void emptyEnded() {
        List<EventLoopCache> ended = new ArrayList<>();
        synchronized (all) {
            for (Iterator<EventLoopCache> it = all.iterator(); it.hasNext(); ) {
                EventLoopCache cache = it.next();
                if (!cache.owner().isAlive()) {
                    it.remove();
                    cache.retire();
                    ended.add(cache);
                }
            }
        }
        for (EventLoopCache cache : ended) {
            cache.empty(alloc);
        }
    }

    private EventLoopCache open() {
        emptyEnded();
        EventLoopCache cache = new EventLoopCache(Thread.currentThread(), capacities);
        synchronized (all) {
            all.add(cache);
        }
        EventExecutor executor = ThreadExecutorMap.currentExecutor();
        if (executor != null) {
            scheduleIdleCheck(executor, cache);
        }
        return cache;
    }

    private void close(EventLoopCache cache) {
        synchronized (all) {
            all.remove(cache);
        }
        cache.retire();
        cache.empty(alloc);
        alloc.unmapIfClosedAndIdle();
    }

    /**
     * Every window, on the owner's executor: empty the cache if the owner served nothing from it, or
     * the allocator closed. The task touches the cache only when it runs on the owner thread (an
     * executor with several threads may run it on another: then it stops, and the cache empties at
     * its thread's end or next use after close).
     */
    private void scheduleIdleCheck(EventExecutor executor, EventLoopCache cache) {
        try {
            executor.schedule(() -> {
                if (Thread.currentThread() != cache.owner()) {
                    return;
                }
                if (alloc.isClosed()) {
                    cache.empty(alloc);
                    alloc.unmapIfClosedAndIdle();
                    return;
                }
                if (cache.idleSinceLastCheck()) {
                    cache.empty(alloc);
                }
                if (!executor.isShuttingDown()) {
                    scheduleIdleCheck(executor, cache);
                }
            }, idleWindowNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException | UnsupportedOperationException cannotSchedule) {
            // A shut-down executor, or one that schedules nothing (ImmediateEventExecutor): no idle
            // check; the cache still empties at its thread's end and after close.
            return;
        }
    }
}
