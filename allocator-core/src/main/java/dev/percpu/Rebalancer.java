package dev.percpu;

import dev.percpu.bridge.Bridge;
import dev.percpu.bridge.StackLayout;
import java.nio.ByteBuffer;
import org.agrona.concurrent.Agent;

/**
 * The background agent that moves free slots and capacity between CPUs and
 * the depot of one {@link SlabAllocator}, run by an Agrona {@code AgentRunner}
 * on its own thread.
 *
 * <p>One round every {@link RebalancerConfig#period()}, under the depot lock
 * (so rounds, slow paths, {@code drain()} and {@code close()} never overlap),
 * per CPU, using the remote protocol of {@code docs/design.md} (stop, fence,
 * operate, resume in rseq mode; the CPU's lock in fallback mode):
 * <ol>
 *   <li>idle drain: a CPU whose stack saw no pop or push for
 *       {@link RebalancerConfig#idleDrainAfter()} is emptied into the depot;</li>
 *   <li>watermarks: a CPU above the high watermark is drained to half its
 *       capacity; an active CPU below the low watermark is refilled to half
 *       from the depot;</li>
 *   <li>capacity: one step (the batch size) of capacity moves from the CPU
 *       with the largest surplus (frees that overflowed into the depot minus
 *       allocations that missed, since the last round; an idle CPU counts as
 *       a surplus of 0) to the CPU that missed most (refills from the depot),
 *       within the configured range, so the total stays constant;</li>
 *   <li>trim: when the depot's freed slots exceed
 *       {@link RebalancerConfig#trimAboveBytes()}, the pages of the oldest
 *       ones beyond that are returned to the kernel.</li>
 * </ol>
 * Everything it does is counted in {@link SlabStats}.
 */
final class Rebalancer implements Agent {
    private final SlabAllocator allocator;
    private final RebalancerConfig config;
    private final long periodNanos;
    private final long idleNanos;
    private final int ncpu;
    private final long[] lastOps;
    private final long[] lastRefills;
    private final long[] lastFlushes;
    private final long[] activeAt;
    private final int[] scratch;
    private long nextRound;

    Rebalancer(SlabAllocator allocator, RebalancerConfig config) {
        this.allocator = allocator;
        this.config = config;
        this.periodNanos = config.period().toNanos();
        this.idleNanos = config.idleDrainAfter().toNanos();
        this.ncpu = allocator.cpus();
        this.lastOps = new long[ncpu];
        this.lastRefills = new long[ncpu];
        this.lastFlushes = new long[ncpu];
        this.activeAt = new long[ncpu];
        this.scratch = new int[allocator.config().maxPerCpuCapacity()];
        long now = System.nanoTime();
        java.util.Arrays.fill(activeAt, now);
        this.nextRound = now + periodNanos;
    }

    @Override
    public int doWork() {
        long now = System.nanoTime();
        if (now - nextRound < 0) {
            return 0;
        }
        nextRound = now + periodNanos;
        round(now);
        return 1;
    }

    @Override
    public String roleName() {
        return "percpu-rebalancer";
    }

    static void reportError(Throwable error) {
        System.err.println("percpu rebalancer: " + error);
    }

    /** One round; see the class comment. */
    void round(long now) {
        Depot depot = allocator.stacks().depot();
        synchronized (depot) {
            if (allocator.isClosed()) {
                return;
            }
            depot.rebalanceRounds++;
            Bridge bridge = allocator.stacks().bridge();
            ByteBuffer headers = allocator.stacks().headers();
            long block = allocator.stacks().block();
            boolean fallback = allocator.stacks().fallback();
            int hungry = -1;
            long mostRefills = 0;
            int donor = -1;
            long largestSurplus = Long.MIN_VALUE;
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int hdr = (int) StackLayout.cpuHeaderOffset(cpu);
                int top = headers.getInt(hdr + StackLayout.TOP_OFFSET);
                int capacity = headers.getInt(hdr + StackLayout.CAPACITY_OFFSET);
                long ops = headers.getLong(hdr + StackLayout.POPS_OFFSET)
                    + headers.getLong(hdr + StackLayout.PUSHES_OFFSET);
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
                    if (!active && top > 0 && now - activeAt[cpu] >= idleNanos) {
                        int k = bridge.remoteTake(block, cpu, scratch, 0, top, fallback);
                        depot.put(scratch, 0, k);
                        depot.idleDrains++;
                        depot.rebalanceDrainedSlots += k;
                    } else if (top > config.highWatermark() * capacity) {
                        int k = bridge.remoteTake(block, cpu, scratch, 0, top - capacity / 2, fallback);
                        depot.put(scratch, 0, k);
                        depot.rebalanceDrainedSlots += k;
                    } else if (active && top < config.lowWatermark() * capacity) {
                        int want = capacity / 2 - top;
                        int got = depot.take(scratch, 0, Math.min(want, scratch.length));
                        int put = got == 0 ? 0 : bridge.remotePut(block, cpu, scratch, 0, got, fallback);
                        depot.put(scratch, put, got - put);
                        depot.rebalanceRefilledSlots += put;
                    }
                } catch (IllegalStateException cannotFence) {
                    // A CPU that cannot be fenced is left alone; the next round tries again.
                    continue;
                }
                if (refillsDelta > mostRefills && capacity < allocator.config().maxPerCpuCapacity()) {
                    mostRefills = refillsDelta;
                    hungry = cpu;
                }
                if (surplus > largestSurplus && capacity > allocator.config().minPerCpuCapacity()) {
                    largestSurplus = surplus;
                    donor = cpu;
                }
            }
            if (hungry >= 0 && donor >= 0 && hungry != donor) {
                try {
                    moveCapacity(donor, hungry);
                } catch (IllegalStateException cannotFence) {
                    return;
                }
            }
            long trimAbove = config.trimAboveBytes();
            if (trimAbove >= 0) {
                long keep = trimAbove / allocator.slotSize();
                int excess = (int) Math.max(0, depot.freeCount() - keep);
                allocator.trimOldest(excess);
            }
        }
    }

    private void moveCapacity(int from, int to) {
        Bridge bridge = allocator.stacks().bridge();
        ByteBuffer headers = allocator.stacks().headers();
        SlabConfig slab = allocator.config();
        int step = slab.batchSize();
        int fromCapacity = headers.getInt((int) StackLayout.cpuHeaderOffset(from) + StackLayout.CAPACITY_OFFSET);
        int toCapacity = headers.getInt((int) StackLayout.cpuHeaderOffset(to) + StackLayout.CAPACITY_OFFSET);
        step = Math.min(step, Math.min(fromCapacity - slab.minPerCpuCapacity(),
            slab.maxPerCpuCapacity() - toCapacity));
        if (step <= 0) {
            return;
        }
        Depot depot = allocator.stacks().depot();
        int excess = bridge.remoteSetCapacity(allocator.stacks().block(), from, fromCapacity - step, scratch,
            allocator.stacks().fallback());
        depot.put(scratch, 0, excess);
        bridge.remoteSetCapacity(allocator.stacks().block(), to, toCapacity + step, scratch, allocator.stacks().fallback());
        depot.capacityMoves++;
    }
}
