package dev.percpu.engine;

import dev.percpu.events.SlowPathEvents;
import java.util.Arrays;
import java.util.concurrent.ThreadFactory;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * The background agent that moves free indices and capacity between the
 * CPU stacks and the depot of one {@link IndexPool}: an Agrona agent run on
 * a thread of its own ({@link #start}) or in the application's duty cycle
 * (the allocator hands it out wrapped; {@link #doWork()} from one thread at
 * a time).
 *
 * <p>One round every period, under the pool's lock (so rounds, slow paths,
 * drain and close never overlap), per CPU, with the remote operations of
 * {@link PerCpuStacks}:
 * <ol>
 *   <li>idle drain: a CPU whose stack saw no pop or push for the idle time
 *       is emptied into the depot;</li>
 *   <li>watermarks: a CPU above the high watermark is drained to half its
 *       capacity; an active CPU below the low watermark is refilled to half
 *       from the depot;</li>
 *   <li>capacity: one step of capacity moves from the CPU with the largest
 *       surplus (frees that overflowed into the depot minus allocations that
 *       missed, since the last round; an idle CPU counts as a surplus of 0)
 *       to the CPU that missed most, within the configured range, all or
 *       nothing, so the total stays constant;</li>
 *   <li>trim: depot slots beyond the configured bytes have their pages
 *       returned to the kernel.</li>
 * </ol>
 * Everything it does is counted in the pool's {@link DepotCounter}s, and
 * each move of slots or capacity emits a flight recorder event
 * ({@link SlowPathEvents#rebalancerMove}; the depot is CPU -1).
 */
public final class Rebalancer implements Agent {
    /** Name of the {@link System.Logger} the rebalancer's errors go to. */
    public static final String LOGGER = "dev.percpu.rebalancer";
    private final IndexPool pool;
    private final CapacityChange capacityChange;
    private final Trimmer trimmer;
    private final RebalanceSettings settings;
    private final int ncpu;
    private final long[] lastOps;
    private final long[] lastRefills;
    private final long[] lastFlushes;
    private final long[] activeAt;
    private final int[] scratch;
    private long nextRound;
    /** A CPU whose capacity grew in a move whose second half failed, and the capacity to restore; -1: none. */
    private int pendingUndoCpu = -1;
    private int pendingUndoCapacity;

    /** A rebalancer of {@code pool}; {@code trimmer} is null for pools that are never trimmed. */
    public Rebalancer(IndexPool pool, Trimmer trimmer, RebalanceSettings settings) {
        this(pool, trimmer, settings, pool.stacks()::setCapacity);
    }

    /** As above, with the remote capacity change given: a seam for tests that make a change fail. */
    Rebalancer(IndexPool pool, Trimmer trimmer, RebalanceSettings settings, CapacityChange capacityChange) {
        this.capacityChange = capacityChange;
        this.pool = pool;
        this.trimmer = trimmer;
        this.settings = settings;
        this.ncpu = pool.cpus();
        this.lastOps = new long[ncpu];
        this.lastRefills = new long[ncpu];
        this.lastFlushes = new long[ncpu];
        this.activeAt = new long[ncpu];
        this.scratch = new int[pool.stacks().stride()];
        long now = System.nanoTime();
        Arrays.fill(activeAt, now);
        this.nextRound = now + settings.periodNanos();
    }

    /**
     * Runs this agent on a thread from {@code threads}, or when that is null on a new daemon thread
     * named "percpu-rebalancer" (an allocator that is never closed must not keep the JVM alive); a
     * round's error goes to {@code errors}, or when that is null to {@link #LOGGER}. Closing the
     * returned runner stops it.
     */
    public AgentRunner start(IdleStrategy idleStrategy, ThreadFactory threads, ErrorHandler errors) {
        return DaemonAgents.start(this, idleStrategy, threads, errors != null ? errors : Rebalancer::reportError);
    }

    @Override
    public int doWork() {
        long now = System.nanoTime();
        if (now - nextRound < 0) {
            return 0;
        }
        nextRound = now + settings.periodNanos();
        round(now);
        return 1;
    }

    @Override
    public String roleName() {
        return "percpu-rebalancer";
    }

    /** The rebalancer thread's errors (its round failed; the next round runs as usual) go here, at ERROR. */
    static void reportError(Throwable error) {
        System.getLogger(LOGGER).log(System.Logger.Level.ERROR, "percpu rebalancer: a round failed", error);
    }

    /** One round; see the class comment. */
    void round(long now) {
        Depot depot = pool.depot();
        PerCpuStacks stacks = pool.stacks();
        pool.lockForMaintenance();
        try {
            if (pool.isClosed()) {
                return;
            }
            depot.count(DepotCounter.REBALANCE_ROUNDS, 1);
            if (pendingUndoCpu >= 0) {
                undoGrowth(pendingUndoCpu, pendingUndoCapacity);
            }
            int hungry = -1;
            long mostRefills = 0;
            int donor = -1;
            long largestSurplus = Long.MIN_VALUE;
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int top = stacks.top(cpu);
                int capacity = stacks.capacity(cpu);
                long ops = stacks.pops(cpu) + stacks.pushes(cpu);
                long refillsDelta = depot.refillsOnCpu[cpu] - lastRefills[cpu];
                long surplus = depot.flushesOnCpu[cpu] - lastFlushes[cpu] - refillsDelta;
                boolean active = ops != lastOps[cpu];
                lastOps[cpu] = ops;
                lastRefills[cpu] = depot.refillsOnCpu[cpu];
                lastFlushes[cpu] = depot.flushesOnCpu[cpu];
                if (active) {
                    activeAt[cpu] = now;
                }
                try {
                    balance(cpu, top, capacity, active, now);
                } catch (IllegalStateException cannotFence) {
                    // A CPU that cannot be fenced is left alone; the next round tries again.
                    continue;
                }
                if (refillsDelta > mostRefills && capacity < settings.maxCapacity()) {
                    mostRefills = refillsDelta;
                    hungry = cpu;
                }
                if (surplus > largestSurplus && capacity > settings.minCapacity()) {
                    largestSurplus = surplus;
                    donor = cpu;
                }
            }
            if (hungry >= 0 && donor >= 0 && hungry != donor) {
                moveCapacity(donor, hungry);
            }
            if (trimmer != null && settings.trimAboveBytes() >= 0) {
                trimmer.trimAbove(settings.trimAboveBytes());
            }
        } finally {
            pool.unlock();
        }
    }

    /** Idle drain, or one watermark correction, of one CPU. Lock held. */
    private void balance(int cpu, int top, int capacity, boolean active, long now) {
        Depot depot = pool.depot();
        PerCpuStacks stacks = pool.stacks();
        if (!active && top > 0 && now - activeAt[cpu] >= settings.idleNanos()) {
            int k = stacks.take(cpu, scratch, 0, top);
            depot.put(scratch, 0, k);
            depot.count(DepotCounter.IDLE_DRAINS, 1);
            depot.count(DepotCounter.REBALANCE_DRAINED_SLOTS, k);
            SlowPathEvents.rebalancerMove(pool.owner(), pool.slotSize(), "idleDrain", cpu, -1, k);
        } else if (top > settings.highWatermark() * capacity) {
            int k = stacks.take(cpu, scratch, 0, top - capacity / 2);
            depot.put(scratch, 0, k);
            depot.count(DepotCounter.REBALANCE_DRAINED_SLOTS, k);
            SlowPathEvents.rebalancerMove(pool.owner(), pool.slotSize(), "drain", cpu, -1, k);
        } else if (active && top < settings.lowWatermark() * capacity) {
            int want = capacity / 2 - top;
            int got = depot.take(scratch, 0, Math.min(want, scratch.length));
            int put = got == 0 ? 0 : stacks.put(cpu, scratch, 0, got);
            depot.put(scratch, put, got - put);
            depot.count(DepotCounter.REBALANCE_REFILLED_SLOTS, put);
            if (put > 0) {
                SlowPathEvents.rebalancerMove(pool.owner(), pool.slotSize(), "refill", -1, cpu, put);
            }
        }
    }

    /**
     * Moves one step of capacity from {@code from} to {@code to}, all or
     * nothing: the receiver grows first (which moves no index); if the
     * donor then cannot be shrunk, the receiver is shrunk back, its excess
     * going to the depot. Lock held.
     */
    void moveCapacity(int from, int to) {
        PerCpuStacks stacks = pool.stacks();
        Depot depot = pool.depot();
        int fromCapacity = stacks.capacity(from);
        int toCapacity = stacks.capacity(to);
        int step = Math.min(settings.step(), Math.min(fromCapacity - settings.minCapacity(),
            settings.maxCapacity() - toCapacity));
        if (step <= 0) {
            return;
        }
        try {
            capacityChange.set(to, toCapacity + step, scratch);
        } catch (IllegalStateException cannotFence) {
            return;
        }
        try {
            depot.put(scratch, 0, capacityChange.set(from, fromCapacity - step, scratch));
        } catch (IllegalStateException cannotFence) {
            undoGrowth(to, toCapacity);
            return;
        }
        depot.count(DepotCounter.CAPACITY_MOVES, 1);
        SlowPathEvents.rebalancerMove(pool.owner(), pool.slotSize(), "capacity", from, to, step);
    }

    /**
     * Shrinks {@code cpu} back to {@code capacity} after a move could not
     * shrink its donor. The shrink may itself fail to fence; then every
     * following round retries it first, so the total capacity is restored
     * as soon as the CPU can be fenced. Lock held.
     */
    private void undoGrowth(int cpu, int capacity) {
        try {
            pool.depot().put(scratch, 0, capacityChange.set(cpu, capacity, scratch));
            pendingUndoCpu = -1;
        } catch (IllegalStateException cannotFence) {
            pendingUndoCpu = cpu;
            pendingUndoCapacity = capacity;
        }
    }

    /** A remote capacity change ({@link PerCpuStacks#setCapacity}); returns the count moved into {@code excess}. */
    @FunctionalInterface
    interface CapacityChange {
        int set(int cpu, int capacity, int[] excess);
    }
}
