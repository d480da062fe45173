package dev.percpu.engine;

import dev.percpu.events.SlowPathEvents;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * The maintenance agent of one allocator: gives back the memory its pools
 * no longer need, for all its pools (size classes) at once.
 *
 * <p>It works in windows of {@code windowNanos}. At the end of each window,
 * per pool, under the pool's lock:
 * <ol>
 *   <li>every CPU whose stack saw no pop or push during the whole window is
 *       drained into the depot (an idle CPU's cache is memory nobody
 *       uses);</li>
 *   <li>the slots that stayed free in the depot for the whole window (its
 *       low-water mark, {@link Depot#lowWaterAndReset()}), plus the ones
 *       just drained, less a reserve of {@code reserveSlots}, are what the
 *       pool did not need: wholly free chunks up to that many slots are
 *       handed back to the kernel and to the budget
 *       ({@link Depot#handBack}).</li>
 * </ol>
 * So a burst's memory goes back within two windows of the pool going quiet,
 * and memory a steady load keeps reusing is never handed back. What stays
 * committed: the caches of active CPUs, the reserve, and chunks that still
 * hold a slot in use (fragmentation).
 *
 * <p>Threading: {@link #doWork()} runs on one thread at a time (its own, see
 * {@link #start}, or the application's duty cycle); every pool operation takes
 * the pool's maintenance lock, so it never overlaps slow paths, drain,
 * statistics or close. A closed pool is skipped.
 */
public final class HandBack implements Agent {
    /** Name of the {@link System.Logger} the hand-back's errors go to. */
    public static final String LOGGER = "dev.percpu.handback";
    private static final System.Logger LOG = System.getLogger(LOGGER);

    private final List<Member> members;
    private final long windowNanos;
    private long windowEnd;

    /**
     * An agent for {@code pools}, each with its trimmer (null: the pool is never trimmed, as in debug
     * mode; its idle CPUs are still drained) and the freed slots it keeps.
     */
    public HandBack(List<IndexPool> pools, List<Trimmer> trimmers, int[] reserveSlots, long windowNanos) {
        Member[] made = new Member[pools.size()];
        for (int i = 0; i < made.length; i++) {
            made[i] = new Member(pools.get(i), trimmers.get(i), reserveSlots[i]);
        }
        this.members = List.of(made);
        this.windowNanos = windowNanos;
        this.windowEnd = System.nanoTime() + windowNanos;
    }

    /**
     * Runs this agent on a thread from {@code threads}, or when that is null on a new daemon thread
     * named "percpu-handback" (an allocator that is never closed must not keep the JVM alive),
     * sleeping a quarter of the window (1 to 100 ms) when idle; a window's error goes to
     * {@code errors}, or when that is null to the logger {@value #LOGGER}. Closing the returned runner
     * stops it.
     */
    public AgentRunner start(ThreadFactory threads, ErrorHandler errors) {
        long sleepMillis = Math.max(1, Math.min(100, windowNanos / 4_000_000));
        return DaemonAgents.start(this, new SleepingMillisIdleStrategy(sleepMillis), threads, errors != null ? errors
            : error -> LOG.log(System.Logger.Level.ERROR, "percpu hand-back: a window failed; the next one runs as usual",
                error));
    }

    @Override
    public int doWork() {
        long now = System.nanoTime();
        if (now - windowEnd < 0) {
            return 0;
        }
        windowEnd = now + windowNanos;
        for (Member member : members) {
            member.endWindow();
        }
        return 1;
    }

    @Override
    public String roleName() {
        return "percpu-handback";
    }

    /** Ends a window now, on the calling thread (tests, and callers that drive the agent themselves). */
    public void endWindowNow() {
        windowEnd = System.nanoTime();
        doWork();
    }

    /** One pool and what the agent remembers of it between windows. */
    private static final class Member {
        private final IndexPool pool;
        private final Trimmer trimmer;
        private final int reserveSlots;
        private final long[] opsAtWindowStart;
        private final int[] scratch;

        Member(IndexPool pool, Trimmer trimmer, int reserveSlots) {
            this.pool = pool;
            this.trimmer = trimmer;
            this.reserveSlots = reserveSlots;
            this.opsAtWindowStart = new long[pool.cpus()];
            this.scratch = new int[pool.stacks().stride()];
        }

        void endWindow() {
            Depot depot = pool.depot();
            PerCpuStacks stacks = pool.stacks();
            pool.lockForMaintenance();
            try {
                if (pool.isClosed()) {
                    return;
                }
                int drained = 0;
                for (int cpu = 0; cpu < opsAtWindowStart.length; cpu++) {
                    long ops = stacks.pops(cpu) + stacks.pushes(cpu);
                    boolean idle = ops == opsAtWindowStart[cpu];
                    opsAtWindowStart[cpu] = ops;
                    if (idle && stacks.top(cpu) > 0) {
                        drained += drainIdle(cpu);
                    }
                }
                int unneeded = depot.lowWaterAndReset() + drained;
                if (trimmer != null && unneeded > reserveSlots) {
                    trimmer.handBack(depot.freeCount() - (unneeded - reserveSlots), true);
                    depot.lowWaterAndReset();
                }
            } finally {
                pool.unlock();
            }
        }

        /** Empties an idle CPU's stack into the depot; a CPU that cannot be fenced is left for the next window. */
        private int drainIdle(int cpu) {
            int k;
            try {
                k = pool.stacks().take(cpu, scratch, 0, scratch.length);
            } catch (IllegalStateException cannotFence) {
                return 0;
            }
            Depot depot = pool.depot();
            depot.put(scratch, 0, k);
            depot.count(DepotCounter.IDLE_DRAINS, 1);
            SlowPathEvents.rebalancerMove(pool.owner(), pool.slotSize(), "idleDrain", cpu, -1, k);
            return k;
        }
    }
}
