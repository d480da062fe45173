package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.Mode;
import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many virtual threads that live on the slow path (a per-CPU capacity of
 * one slot, so nearly every operation refills or flushes through the pool's
 * lock) must not starve the other users of that lock: {@code stats()} and
 * {@code drain()} keep completing. A progress check, not a timing check: it
 * waits for a fixed number of calls with a generous deadline, and the pool
 * must be exact at the end.
 */
class SlowPathFairnessTest {
    private static final int CALLS = 20;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldKeepStatsAndDrainRunningWhileVirtualThreadsHammerTheDepot(Mode mode) throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        if (mode == Mode.RSEQ) {
            dev.percpu.bridge.RseqAvailability.requireRseq();
        }
        SlabConfig config = SlabConfig.builder().slotSize(64).capacitySlots(4096).perCpuCapacity(1).mode(mode)
            .build();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder rounds = new LongAdder();
        try (SlabAllocator allocator = SlabAllocator.create(config)) {
            Method perTask = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            ExecutorService executor = (ExecutorService) perTask.invoke(null);
            for (int t = 0; t < 256; t++) {
                executor.execute(() -> {
                    long[] batch = new long[4];
                    try {
                        while (!stop.get()) {
                            int n = allocator.allocate(batch, batch.length);
                            allocator.free(batch, n);
                            allocator.free(allocator.allocate());
                            rounds.increment();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            long warmUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (rounds.sum() < 100_000 && System.nanoTime() < warmUp) {
                Thread.sleep(10);
            }
            long started = System.nanoTime();
            int done = 0;
            long deadline = started + TimeUnit.SECONDS.toNanos(60);
            while (done < CALLS && System.nanoTime() < deadline) {
                allocator.stats();
                allocator.drain();
                done++;
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            stop.set(true);
            executor.shutdown();
            assertTrue(executor.awaitTermination(60, TimeUnit.SECONDS), "the virtual threads did not stop");
            System.out.printf("fairness %s: %d stats()+drain() pairs in %d ms beside 256 virtual threads%n",
                mode, done, elapsedMillis);
            assertEquals(null, failure.get(), "a virtual thread failed");
            assertEquals(CALLS, done, "stats() and drain() starved: " + done + " pairs in " + elapsedMillis + " ms");
            assertEquals(0, allocator.stats().inUse(), "every slot came back");
        }
    }
}
