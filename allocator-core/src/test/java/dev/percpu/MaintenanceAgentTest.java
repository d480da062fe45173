package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CompositeAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An allocator's maintenance run by the application: a {@link SlabAllocator}'s
 * rebalancer and a {@link SizeClassAllocator}'s hand-back configured with
 * {@link MaintenanceRunner#application()} start no thread and do their work
 * when an Agrona {@link AgentInvoker} over a {@link CompositeAgent} (the
 * application's duty cycle) calls them; invoked after close, or racing close,
 * they do nothing harmful. With {@link MaintenanceRunner#ownThread()} and a
 * thread factory, the factory's thread is the one that works. Both modes.
 */
class MaintenanceAgentTest {
    /** Duty cycles an application runs before a test gives up waiting for maintenance (each parks 1 ms). */
    private static final int MAX_CYCLES = 20_000;

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldRebalanceInTheApplicationsDutyCycle(Mode mode) {
        Set<Thread> before = threadsNamed("percpu-rebalancer");
        try (SlabAllocator slabs = SlabAllocator.create(slabConfig(mode, MaintenanceRunner.application()))) {
            assertEquals(mode, slabs.mode());
            assertEquals(before, threadsNamed("percpu-rebalancer"), "no rebalancer thread was started");
            long[] held = new long[200];
            assertEquals(200, slabs.allocate(held, 200));
            slabs.free(held, 200);
            assertTrue(slabs.stats().freeOnCpus() > 0, "the frees left slots on a CPU stack");
            assertEquals(0, slabs.stats().rebalanceRounds(), "nothing rebalanced before the application ran it");

            AtomicInteger applicationWork = new AtomicInteger();
            AgentInvoker invoker = invoker(new CompositeAgent(agent("application", applicationWork),
                slabs.maintenanceAgent()));
            runUntil(invoker, () -> slabs.stats().freeOnCpus() == 0, "the idle CPU stacks drained");
            SlabStats stats = slabs.stats();
            assertTrue(stats.rebalanceRounds() > 0, stats.toString());
            assertTrue(stats.rebalanceDrainedSlots() > 0, "slots moved from the CPU stacks to the depot: " + stats);
            assertEquals(4096, stats.depotFree() + stats.freeOnCpus() + stats.inUse(), "every slot accounted for: " + stats);
            assertTrue(applicationWork.get() > 0, "the application's own agent ran in the same duty cycle");
            invoker.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldHandBackInTheApplicationsDutyCycle(Mode mode) {
        Set<Thread> before = threadsNamed("percpu-handback");
        try (SizeClassAllocator heap = SizeClassAllocator.create(sizeClassConfig(mode, MaintenanceRunner.application()))) {
            assertEquals(mode, heap.mode());
            assertEquals(before, threadsNamed("percpu-handback"), "no hand-back thread was started");
            int page = heap.classOf(4096);
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 1024; i++) {
                long address = heap.allocate(4096);
                heap.view(address).put(0, (byte) 1);     // resident, so that handing it back releases something
                blocks.add(address);
            }
            blocks.forEach(heap::free);
            long committed = heap.committedBytes();
            assertTrue(committed >= 1024 * 4096, "the burst committed its memory: " + committed);
            assertEquals(0, heap.stats(page).trimmedBytes(), "nothing handed back before the application ran it");

            AgentInvoker invoker = invoker(new CompositeAgent(agent("application", new AtomicInteger()),
                heap.maintenanceAgent()));
            runUntil(invoker, () -> heap.committedBytes() < committed, "memory handed back to the budget");
            assertTrue(heap.stats(page).trimmedBytes() > 0, "and to the kernel: " + heap.stats(page));
            assertEquals(0, heap.inUseBytes());
            invoker.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldDoNothingWhenInvokedAfterClose(Mode mode) throws Exception {
        SlabAllocator slabs = SlabAllocator.create(slabConfig(mode, MaintenanceRunner.application()));
        SizeClassAllocator heap = SizeClassAllocator.create(sizeClassConfig(mode, MaintenanceRunner.application()));
        assertEquals(mode, slabs.mode());
        assertEquals(mode, heap.mode());
        MaintenanceAgent rebalancer = slabs.maintenanceAgent();
        MaintenanceAgent handBack = heap.maintenanceAgent();
        slabs.free(slabs.allocate());
        heap.free(heap.allocate(100));
        slabs.close();
        heap.close();
        for (int i = 0; i < 100; i++) {
            assertEquals(0, rebalancer.doWork(), "a closed allocator's rebalancer does nothing");
            assertEquals(0, handBack.doWork(), "a closed allocator's hand-back does nothing");
            LockSupport.parkNanos(100_000);
        }
        rebalancer.onClose();
        handBack.onClose();
        assertSame(rebalancer, slabs.maintenanceAgent(), "the same agent, closed or not");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldLetCloseRaceTheApplicationsDutyCycle(Mode mode) throws Exception {
        for (int round = 0; round < 20; round++) {
            SlabAllocator slabs = SlabAllocator.create(slabConfig(mode, MaintenanceRunner.application()));
            SizeClassAllocator heap = SizeClassAllocator.create(sizeClassConfig(mode, MaintenanceRunner.application()));
            assertEquals(mode, slabs.mode());
            AgentInvoker invoker = invoker(new CompositeAgent(slabs.maintenanceAgent(), heap.maintenanceAgent()));
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread dutyCycle = new Thread(() -> {
                try {
                    while (!slabs.isClosed() || !heap.isClosed()) {
                        invoker.invoke();
                    }
                    for (int i = 0; i < 1000; i++) {
                        invoker.invoke();
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "application-duty-cycle");
            dutyCycle.start();
            long[] held = new long[64];
            for (int i = 0; i < 50; i++) {
                int n = slabs.allocate(held, 64);
                slabs.free(held, n);
                heap.free(heap.allocate(4096));
            }
            slabs.close();
            heap.close();
            dutyCycle.join();
            assertNull(failed.get(), () -> "the duty cycle failed: " + failed.get());
            assertEquals(0, invoker.invoke(), "nothing to do once closed");
            invoker.close();
        }
    }

    @Test
    void shouldRunTheOwnThreadFromTheThreadFactory() throws Exception {
        Set<Thread> rebalancers = threadsNamed("percpu-rebalancer");
        Set<Thread> handBacks = threadsNamed("percpu-handback");
        RecordingFactory factory = new RecordingFactory();
        MaintenanceRunner runner = MaintenanceRunner.ownThread().withThreadFactory(factory);
        Mode mode = Mode.FALLBACK;
        try (SlabAllocator slabs = SlabAllocator.create(slabConfig(mode, runner));
             SizeClassAllocator heap = SizeClassAllocator.create(sizeClassConfig(mode, runner))) {
            assertEquals(mode, slabs.mode());
            assertEquals(mode, heap.mode());
            assertEquals(2, factory.made.size(), "one thread per agent, from the factory");
            factory.made.forEach(t -> assertTrue(t.isAlive(), t + " runs"));
            // Agrona's AgentRunner names its thread after the agent's role: any such thread that appeared is the factory's.
            Set<Thread> appeared = new HashSet<>(threadsNamed("percpu-rebalancer"));
            appeared.addAll(threadsNamed("percpu-handback"));
            appeared.removeAll(rebalancers);
            appeared.removeAll(handBacks);
            assertTrue(factory.made.containsAll(appeared), "no thread of percpu's own: " + appeared);
            assertThrows(IllegalStateException.class, slabs::maintenanceAgent, "its own thread runs it");
            assertThrows(IllegalStateException.class, heap::maintenanceAgent, "its own thread runs it");

            waitUntil(() -> slabs.stats().rebalanceRounds() > 0, "a rebalancer round on the factory's thread");
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                blocks.add(heap.allocate(4096));
            }
            long committed = heap.committedBytes();
            blocks.forEach(heap::free);
            waitUntil(() -> heap.committedBytes() < committed, "memory handed back by the factory's thread");
        }
        for (Thread thread : factory.made) {
            thread.join(60_000);
            assertFalse(thread.isAlive(), "close ended " + thread);
        }
    }

    @Test
    void shouldSayWhyThereIsNoAgentToRun() {
        try (SlabAllocator plain = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).build());
             SizeClassAllocator noHandBack = SizeClassAllocator.create(SizeClassConfig.builder()
                 .handBackAfter(Duration.ZERO).handBackRunner(MaintenanceRunner.application()).build())) {
            IllegalStateException none = assertThrows(IllegalStateException.class, plain::maintenanceAgent);
            assertTrue(none.getMessage().contains("no rebalancer"), none.getMessage());
            IllegalStateException off = assertThrows(IllegalStateException.class, noHandBack::maintenanceAgent);
            assertTrue(off.getMessage().contains("handBackAfter is zero"), off.getMessage());
        }
        assertThrows(IllegalStateException.class,
            () -> MaintenanceRunner.application().withThreadFactory(Thread::new));
        assertThrows(IllegalStateException.class,
            () -> MaintenanceRunner.application().withErrorHandler(Throwable::printStackTrace));
        assertThrows(NullPointerException.class, () -> RebalancerConfig.builder().runner(null));
    }

    @Test
    void shouldKeepTheRunnersSettings() {
        ThreadFactory factory = Thread::new;
        org.agrona.ErrorHandler handler = error -> { };
        MaintenanceRunner runner = MaintenanceRunner.ownThread().withThreadFactory(factory).withErrorHandler(handler);
        RebalancerConfig config = RebalancerConfig.builder().runner(runner).build();
        assertSame(factory, config.runner().threadFactory().orElseThrow());
        assertSame(handler, config.runner().errorHandler().orElseThrow());
        assertFalse(config.runner().isApplication());
        assertTrue(MaintenanceRunner.ownThread().threadFactory().isEmpty(), "the default: percpu's daemon thread");
        assertTrue(MaintenanceRunner.ownThread().errorHandler().isEmpty(), "the default: the log");
        assertSame(MaintenanceRunner.ownThread(), RebalancerConfig.builder().build().runner());
        assertSame(MaintenanceRunner.ownThread(), SizeClassConfig.builder().build().handBackRunner());
        assertTrue(SizeClassConfig.builder().handBackRunner(MaintenanceRunner.application()).build()
            .handBackRunner().isApplication());
    }

    private static SlabConfig slabConfig(Mode mode, MaintenanceRunner runner) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        return SlabConfig.builder().slotSize(64).capacitySlots(4096).mode(mode)
            .rebalancer(RebalancerConfig.builder().period(Duration.ofMillis(1)).idleDrainAfter(Duration.ofMillis(1))
                .runner(runner).build())
            .build();
    }

    private static SizeClassConfig sizeClassConfig(Mode mode, MaintenanceRunner runner) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        return SizeClassConfig.builder().maxMemory(64L << 20).mode(mode).handBackAfter(Duration.ofMillis(1))
            .handBackRunner(runner).build();
    }

    private static AgentInvoker invoker(Agent agent) {
        AgentInvoker invoker = new AgentInvoker(error -> fail("the duty cycle failed", error), null, agent);
        invoker.start();
        return invoker;
    }

    /** The application's duty cycle, one invocation per millisecond, until {@code done} (at most {@link #MAX_CYCLES}). */
    private static void runUntil(AgentInvoker invoker, BooleanSupplier done, String what) {
        for (int cycle = 0; cycle < MAX_CYCLES; cycle++) {
            invoker.invoke();
            if (done.getAsBoolean()) {
                return;
            }
            LockSupport.parkNanos(1_000_000);
        }
        fail(what + ": not within " + MAX_CYCLES + " duty cycles");
    }

    private static void waitUntil(BooleanSupplier done, String what) {
        for (int i = 0; i < MAX_CYCLES && !done.getAsBoolean(); i++) {
            LockSupport.parkNanos(1_000_000);
        }
        assertTrue(done.getAsBoolean(), what);
    }

    private static Agent agent(String role, AtomicInteger work) {
        return new Agent() {
            @Override
            public int doWork() {
                work.incrementAndGet();
                return 0;
            }

            @Override
            public String roleName() {
                return role;
            }
        };
    }

    private static Set<Thread> threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
            .collect(Collectors.toSet());
    }

    /** Makes daemon threads named "application-maintenance" and keeps them. */
    private static final class RecordingFactory implements ThreadFactory {
        final List<Thread> made = new CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "application-maintenance");
            thread.setDaemon(true);
            made.add(thread);
            return thread;
        }
    }
}
