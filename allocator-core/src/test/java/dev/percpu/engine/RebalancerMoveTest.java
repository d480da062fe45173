package dev.percpu.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A rebalancer capacity move changes two CPUs' capacities; when the second
 * change fails (the donor cannot be fenced) the first is undone, and when
 * the undo fails too it is retried by the next round, so the total
 * capacity never drifts.
 */
class RebalancerMoveTest {
    private static final int CAPACITY = 64;
    private static final RebalanceSettings SETTINGS = new RebalanceSettings(1_000_000L, 1_000_000_000L, 0.25, 0.75,
        -1, 16, 128, 16);

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldUndoTheGrowthWhenTheDonorCannotBeShrunk(Mode mode) {
        IndexPool pool = newPool(mode);
        AtomicBoolean donorFails = new AtomicBoolean(true);
        Rebalancer rebalancer = new Rebalancer(pool, null, SETTINGS, (cpu, capacity, excess) -> {
            if (cpu == 0 && donorFails.get()) {
                throw new IllegalStateException("cannot fence cpu 0 (test)");
            }
            return pool.stacks().setCapacity(cpu, capacity, excess);
        });
        try {
            move(pool, rebalancer, 0, 1);
            assertEquals(CAPACITY, pool.stacks().capacity(0), "donor unchanged");
            assertEquals(CAPACITY, pool.stacks().capacity(1), "receiver's growth undone");
            assertEquals(0, pool.snapshot().count(DepotCounter.CAPACITY_MOVES));
            donorFails.set(false);
            move(pool, rebalancer, 0, 1);
            assertEquals(CAPACITY - 16, pool.stacks().capacity(0), "a move that succeeds moves one step");
            assertEquals(CAPACITY + 16, pool.stacks().capacity(1));
            assertEquals(1, pool.snapshot().count(DepotCounter.CAPACITY_MOVES));
        } finally {
            pool.close(() -> { });
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldRetryAFailedUndoInTheNextRoundUntilTheTotalIsBack(Mode mode) {
        IndexPool pool = newPool(mode);
        AtomicBoolean grown = new AtomicBoolean();
        AtomicBoolean fenceWorks = new AtomicBoolean(false);
        Rebalancer rebalancer = new Rebalancer(pool, null, SETTINGS, (cpu, capacity, excess) -> {
            if (cpu == 1 && !grown.get()) {
                grown.set(true);
                return pool.stacks().setCapacity(cpu, capacity, excess);
            }
            if (!fenceWorks.get()) {
                throw new IllegalStateException("cannot fence cpu " + cpu + " (test)");
            }
            return pool.stacks().setCapacity(cpu, capacity, excess);
        });
        try {
            move(pool, rebalancer, 0, 1);
            assertEquals(CAPACITY + 16, pool.stacks().capacity(1), "the undo could not run yet");
            rebalancer.round(System.nanoTime());
            assertEquals(CAPACITY + 16, pool.stacks().capacity(1), "still cannot fence: still pending");
            fenceWorks.set(true);
            rebalancer.round(System.nanoTime());
            assertEquals(CAPACITY, pool.stacks().capacity(0));
            assertEquals(CAPACITY, pool.stacks().capacity(1), "the next round restored the total");
        } finally {
            pool.close(() -> { });
        }
    }

    private static IndexPool newPool(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        IndexPool pool = new IndexPool("RebalancerMoveTest", mode, 1024, CAPACITY, 128, 16);
        assumeTrue(pool.cpus() >= 2, "a move needs two CPUs");
        assertEquals(mode, pool.mode());
        return pool;
    }

    private static void move(IndexPool pool, Rebalancer rebalancer, int from, int to) {
        pool.lockForMaintenance();
        try {
            rebalancer.moveCapacity(from, to);
        } finally {
            pool.unlock();
        }
    }
}
