package dev.percpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.percpu.MaintenanceRunner;
import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.SlabStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CompositeAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link StatsPublisher} as an agent: run by the application
 * ({@link MaintenanceRunner#application()}) it starts no thread and
 * publishes when the application's duty cycle runs it, and does nothing once
 * closed; run on its own thread from a thread factory, that thread
 * publishes and an error thrown while publishing reaches the error handler.
 */
class StatsPublisherAgentTest {
    private static final int MAX_CYCLES = 20_000;

    @TempDir
    Path dir;

    @Test
    void shouldPublishInTheApplicationsDutyCycle() throws Exception {
        Set<Thread> before = threadsNamed("percpu-stats");
        Path file;
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).build());
             StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofMillis(1), 64,
                 MaintenanceRunner.application())) {
            assertEquals(before, threadsNamed("percpu-stats"), "no publishing thread was started");
            file = publisher.file();
            publisher.add("slabs", slabs::stats);
            long address = slabs.allocate();
            AgentInvoker invoker = new AgentInvoker(error -> fail("the duty cycle failed", error), null,
                new CompositeAgent(publisher));
            invoker.start();
            try (StatsReader reader = StatsReader.open(file)) {
                assertEquals(0L, reader.pools().get("slabs").get("inUse"), "as of add, before the allocation");
                for (int cycle = 0; cycle < MAX_CYCLES && reader.pools().get("slabs").get("inUse") != 1L; cycle++) {
                    invoker.invoke();
                    LockSupport.parkNanos(1_000_000);
                }
                assertEquals(1L, reader.pools().get("slabs").get("inUse"), "the duty cycle published the allocation");
            }
            slabs.free(address);
            publisher.close();
            assertFalse(Files.exists(file), "close deleted the file");
            for (int i = 0; i < 10; i++) {
                LockSupport.parkNanos(2_000_000);
                assertEquals(0, invoker.invoke(), "a closed publisher does nothing");
            }
            invoker.close();
        }
    }

    @Test
    void shouldPublishOnTheFactorysThreadAndHandItsErrorsToTheHandler() {
        List<Thread> made = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> received = new AtomicReference<>();
        AtomicReference<Thread> receivedOn = new AtomicReference<>();
        MaintenanceRunner runner = MaintenanceRunner.ownThread()
            .withThreadFactory(task -> {
                Thread thread = new Thread(task, "application-stats");
                thread.setDaemon(true);
                made.add(thread);
                return thread;
            })
            .withErrorHandler(error -> {
                receivedOn.compareAndSet(null, Thread.currentThread());
                received.compareAndSet(null, error);
            });
        RuntimeException thrown = new ArithmeticException("the statistics source failed (test)");
        AtomicInteger calls = new AtomicInteger();
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).build());
             StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofMillis(1), 64, runner)) {
            assertEquals(1, made.size(), "one thread, from the factory");
            Supplier<SlabStats> failing = () -> {
                if (calls.incrementAndGet() > 3) {
                    throw thrown;
                }
                return slabs.stats();
            };
            publisher.add("slabs", failing);
            for (int i = 0; i < MAX_CYCLES && received.get() == null; i++) {
                LockSupport.parkNanos(1_000_000);
            }
            assertSame(thrown, received.get(), "the publishing error reached the handler");
            assertSame(made.get(0), receivedOn.get(), "on the factory's thread");
            assertTrue(calls.get() > 3, "the factory's thread refreshed the pool");
        }
    }

    private static Set<Thread> threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
            .collect(Collectors.toSet());
    }
}
