package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import dev.percpu.runtime.Registration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The set-up gives what it declares (PERCPU_EXPECT_REGISTRATION, see
 * docs/build.md "Set-ups"): the registration on the test thread and on a new
 * thread, the mode AUTO resolves to, and whether RSEQ is granted or refused
 * with its documented message. Runs in every declared set-up, including the
 * one with rseq blocked; skips only where no set-up is declared.
 */
class SetupExpectationTest {
    @Test
    void shouldGiveTheDeclaredRegistrationOnEveryThread() throws InterruptedException {
        Registration expected = declared();
        assertEquals(expected, PercpuRuntime.registration(), "test thread");
        AtomicReference<Registration> onNewThread = new AtomicReference<>();
        Thread thread = new Thread(() -> onNewThread.set(PercpuRuntime.registration()));
        thread.start();
        thread.join();
        assertEquals(expected, onNewThread.get(), "a thread started by the test");
    }

    @Test
    void shouldResolveAutoAndGrantOrRefuseRseqAsDeclared() {
        Registration expected = declared();
        Mode auto = expected == Registration.NONE ? Mode.FALLBACK : Mode.RSEQ;
        assertEquals(auto, PercpuRuntime.defaultMode());
        try (SlabAllocator pool = SlabAllocator.create(small().build())) {
            assertEquals(auto, pool.mode(), "AUTO resolved");
            long[] slots = new long[256];
            assertEquals(256, pool.allocate(slots, 256));
            pool.free(slots, 256);
            assertEquals(0, pool.stats().inUse());
        }
        if (expected == Registration.NONE) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> SlabAllocator.create(small().mode(Mode.RSEQ).build()));
            assertTrue(refused.getMessage().startsWith("mode RSEQ requested, but this thread has no rseq registration"),
                refused.getMessage());
        } else {
            try (SlabAllocator pool = SlabAllocator.create(small().mode(Mode.RSEQ).build())) {
                assertEquals(Mode.RSEQ, pool.mode());
            }
        }
    }

    private static SlabConfig.Builder small() {
        return SlabConfig.builder().slotSize(64).capacitySlots(256);
    }

    private static Registration declared() {
        Optional<Registration> expected = RseqAvailability.expectedRegistration();
        assumeTrue(expected.isPresent(), RseqAvailability.VARIABLE + " not set: no set-up declared");
        return expected.get();
    }
}
