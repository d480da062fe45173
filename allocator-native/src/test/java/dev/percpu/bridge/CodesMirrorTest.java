package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The codes in {@link Bridge} (results, registration status, fence kinds) agree with
 * their one C definition, percpu_codes.h, as the library serves it by id.
 */
class CodesMirrorTest {
    private final Bridge bridge = Bridges.get();

    private void assertCode(int id, int javaValue, String name) {
        assertEquals(bridge.layoutOffset(id), javaValue, name + ": Bridge and percpu_codes.h disagree");
    }

    @Test
    void shouldAgreeWithTheCResultCodes() {
        assertCode(StackLayout.CONSTANT_EMPTY, Bridge.EMPTY, "EMPTY");
        assertCode(StackLayout.CONSTANT_FULL, Bridge.FULL, "FULL");
        assertCode(StackLayout.CONSTANT_NO_RSEQ, Bridge.NO_RSEQ, "NO_RSEQ");
        assertCode(StackLayout.CONSTANT_RESTART_LIMIT, Bridge.RESTART_LIMIT, "RESTART_LIMIT");
        assertCode(StackLayout.CONSTANT_STOPPED, Bridge.STOPPED, "STOPPED");
        assertCode(StackLayout.CONSTANT_BUSY, Bridge.BUSY, "BUSY");
        assertCode(StackLayout.CONSTANT_BAD_CPU, Bridge.BAD_CPU, "BAD_CPU");
        assertCode(StackLayout.CONSTANT_BAD_ADDRESS, Bridge.BAD_ADDRESS, "BAD_ADDRESS");
    }

    @Test
    void shouldAgreeWithTheCRegistrationStatus() {
        assertCode(StackLayout.CONSTANT_RSEQ_UNAVAILABLE, Bridge.RSEQ_UNAVAILABLE, "RSEQ_UNAVAILABLE");
        assertCode(StackLayout.CONSTANT_RSEQ_GLIBC, Bridge.RSEQ_GLIBC, "RSEQ_GLIBC");
        assertCode(StackLayout.CONSTANT_RSEQ_OWN, Bridge.RSEQ_OWN, "RSEQ_OWN");
    }

    @Test
    void shouldAgreeWithTheCFenceKinds() {
        assertCode(StackLayout.CONSTANT_FENCE_MEMBARRIER, Bridge.FENCE_MEMBARRIER, "FENCE_MEMBARRIER");
        assertCode(StackLayout.CONSTANT_FENCE_AFFINITY, Bridge.FENCE_AFFINITY, "FENCE_AFFINITY");
    }
}
