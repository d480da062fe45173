package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.PinnedRun;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.runtime.Mode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Asymmetric work: a producer pinned to CPU 0 allocates, a consumer pinned
 * to CPU 1 frees what it receives through a queue. Without a rebalancer the
 * consumer's CPU caches up to its capacity (stranded memory) and the producer
 * must steal from it or fails when the depot runs dry. With the rebalancer
 * both must drop by at least {@value #FACTOR}x, with every slot still
 * accounted for and the per-CPU capacities summing to what was configured.
 * The factors need the pins: where the set-up moved a pinned thread (a
 * migration storm), only they are skipped.
 */
class ProducerConsumerTest {
    private static final int FACTOR = 4;
    private static final int SLOTS = 160;
    private static final int PER_CPU = 128;

    /** What one run measured. */
    private static final class Outcome {
        double meanStrandedOnConsumerCpu;
        long producerSlowEvents;
        long handedOver;
        SlabStats stats;
        /** Both threads stayed on their CPUs (a migration storm in the set-up overrides pins). */
        final AtomicBoolean pinsHeld = new AtomicBoolean(true);

        @Override
        public String toString() {
            return String.format("stranded on CPU 1: %.1f slots on average; producer steals + failures: %d; "
                + "%d slots handed over", meanStrandedOnConsumerCpu, producerSlowEvents, handedOver);
        }
    }

    private Outcome run(Mode mode, boolean rebalance) throws InterruptedException {
        SlabConfig.Builder builder = SlabConfig.builder().slotSize(64).capacitySlots(SLOTS).perCpuCapacity(PER_CPU)
            .batchSize(16).mode(mode);
        if (rebalance) {
            builder.rebalancer(RebalancerConfig.builder().period(Duration.ofMillis(2))
                .perCpuCapacityRange(16, 2 * PER_CPU).build());
        }
        Outcome outcome = new Outcome();
        try (SlabAllocator allocator = SlabAllocator.create(builder.build())) {
            int ring = 64;
            AtomicLongArray queue = new AtomicLongArray(ring);
            AtomicLong head = new AtomicLong();
            AtomicLong tail = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean producerDone = new AtomicBoolean();
            AtomicLong failures = new AtomicLong();
            Thread producer = new Thread(() -> {
                RseqCalls.pinCurrentThread(0);
                long migrations = PinnedRun.migrations();
                long failed = 0;
                while (!stop.get()) {
                    if (tail.get() - head.get() == ring) {
                        Thread.onSpinWait();
                        continue;
                    }
                    long slot = allocator.tryAllocate();
                    if (slot == 0) {
                        failed++;
                        Thread.onSpinWait();
                        continue;
                    }
                    queue.set((int) (tail.get() % ring), slot);
                    tail.incrementAndGet();
                }
                failures.set(failed);
                if (!PinnedRun.held(0, migrations)) {
                    outcome.pinsHeld.set(false);
                }
                producerDone.set(true);
            });
            Thread consumer = new Thread(() -> {
                RseqCalls.pinCurrentThread(1);
                long migrations = PinnedRun.migrations();
                while (!producerDone.get() || head.get() < tail.get()) {
                    if (head.get() == tail.get()) {
                        Thread.onSpinWait();
                        continue;
                    }
                    allocator.free(queue.get((int) (head.get() % ring)));
                    head.incrementAndGet();
                }
                if (!PinnedRun.held(1, migrations)) {
                    outcome.pinsHeld.set(false);
                }
            });
            producer.start();
            consumer.start();
            Thread.sleep(200);
            long stealsAtStart = allocator.stats().steals();
            long samples = 0;
            long strandedSum = 0;
            long end = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < end) {
                SlabStats stats = allocator.stats();
                strandedSum += stats.freeOnCpu(1);
                samples++;
                Thread.sleep(2);
            }
            long stealsDuring = allocator.stats().steals() - stealsAtStart;
            stop.set(true);
            producer.join();
            consumer.join();
            outcome.stats = allocator.stats();
            outcome.meanStrandedOnConsumerCpu = (double) strandedSum / samples;
            outcome.producerSlowEvents = stealsDuring + failures.get();
            outcome.handedOver = head.get();
            assertEquals(0, outcome.stats.inUse(), "every slot came back");
            assertEquals((long) allocator.cpus() * PER_CPU, outcome.stats.capacityOnCpus(),
                "capacity moved between CPUs, never created");
            long[] all = new long[SLOTS];
            assertEquals(SLOTS, allocator.allocate(all, SLOTS), "nothing lost");
            assertEquals(SLOTS, java.util.Arrays.stream(all).distinct().count(), "nothing duplicated");
        }
        return outcome;
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCutStrandedSlotsAndProducerStallsByAFactor(Mode mode) throws InterruptedException {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs CPUs 0 and 1");
        Outcome off = run(mode, false);
        Outcome on = run(mode, true);
        System.out.println(mode + " rebalancer off: " + off);
        System.out.println(mode + " rebalancer on:  " + on);
        System.out.println(mode + " rebalancer stats: " + on.stats);
        assumeTrue(off.pinsHeld.get() && on.pinsHeld.get(),
            "the set-up moved the pinned producer or consumer: the factors are not judged (conservation was)");
        assertTrue(on.stats.rebalanceRounds() > 0 && on.stats.capacityMoves() > 0, "the rebalancer acted: " + on.stats);
        assertTrue(on.meanStrandedOnConsumerCpu * FACTOR <= off.meanStrandedOnConsumerCpu,
            "stranding on the consumer's CPU drops " + FACTOR + "x: off " + off + ", on " + on);
        assertTrue(off.producerSlowEvents >= 100, "without the rebalancer the producer stalls: " + off);
        assertTrue(on.producerSlowEvents * FACTOR <= off.producerSlowEvents,
            "producer steals + failures drop " + FACTOR + "x: off " + off + ", on " + on);
    }
}
