package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.MaintenanceAgent;
import dev.percpu.MaintenanceRunner;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CompositeAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Netty allocator's hand-back in the application's duty cycle: with
 * {@code handBackRunner(MaintenanceRunner.application())} no hand-back thread starts, nothing goes
 * back until the application invokes {@link PercpuByteBufAllocator#maintenanceAgent()}, and then the
 * committed memory of released buffers does; the agent does nothing once the allocator is closed.
 * Buffers are allocated on the test's plain thread, which has no event-loop front cache.
 */
class NettyMaintenanceAgentTest {
    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldHandBackInTheApplicationsDutyCycle(Mode mode) throws Exception {
        Set<Thread> before = handBackThreads();
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ofMillis(1))
            .handBackRunner(MaintenanceRunner.application()));
        assertEquals(before, handBackThreads(), "no hand-back thread was started");
        List<ByteBuf> burst = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            ByteBuf buf = alloc.directBuffer(4096);
            buf.writeZero(4096);
            burst.add(buf);
        }
        burst.forEach(ByteBuf::release);
        long committed = alloc.pooledCommittedBytes();
        assertTrue(committed >= 1024 * 4096L, "the burst committed its memory: " + committed);
        assertEquals(0, alloc.pooledInUseBytes(), "every buffer released");

        MaintenanceAgent handBack = alloc.maintenanceAgent();
        AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null,
            new CompositeAgent(new IdleApplicationAgent(), handBack));
        invoker.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (alloc.pooledCommittedBytes() >= committed && System.nanoTime() < deadline) {
            invoker.invoke();
            Thread.onSpinWait();
        }
        assertTrue(alloc.pooledCommittedBytes() < committed,
            "the application's duty cycle handed memory back: " + alloc.pooledCommittedBytes() + " of " + committed);
        assertEquals(0, alloc.pooledInUseBytes());

        alloc.close();
        for (int i = 0; i < 10; i++) {
            assertEquals(0, handBack.doWork(), "a closed allocator's hand-back does nothing");
        }
        invoker.close();
    }

    @Test
    void shouldRefuseTheAgentWhenTheHandBackRunsOnItsOwnThreadOrIsOff() {
        PercpuByteBufAllocator ownThread = allocators.open(Mode.FALLBACK, b -> b);
        IllegalStateException own = assertThrows(IllegalStateException.class, ownThread::maintenanceAgent);
        assertTrue(own.getMessage().contains("own thread"), own.getMessage());
        PercpuByteBufAllocator off = allocators.open(Mode.FALLBACK, b -> b.handBackAfter(Duration.ZERO)
            .handBackRunner(MaintenanceRunner.application()));
        IllegalStateException none = assertThrows(IllegalStateException.class, off::maintenanceAgent);
        assertTrue(none.getMessage().contains("handBackAfter is zero"), none.getMessage());
    }

    private static Set<Thread> handBackThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("percpu-handback")).collect(Collectors.toSet());
    }

    /** The application's own work in the duty cycle: none here. */
    private static final class IdleApplicationAgent implements Agent {
        @Override
        public int doWork() {
            return 0;
        }

        @Override
        public String roleName() {
            return "application";
        }
    }
}
