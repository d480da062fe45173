package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The codes in {@link NativeCodes} (results, registration status, fence kinds) agree with
 * their one C definition, percpu_codes.h, as the library serves it by id.
 */
class CodesMirrorTest {

    private void assertCode(int id, int javaValue, String name) {
        assertEquals(BlockCalls.layoutOffset(id), javaValue, name + ": NativeCodes and percpu_codes.h disagree");
    }

    @Test
    void shouldAgreeWithTheCResultCodes() {
        assertCode(StackLayout.CONSTANT_EMPTY, NativeCodes.EMPTY, "EMPTY");
        assertCode(StackLayout.CONSTANT_FULL, NativeCodes.FULL, "FULL");
        assertCode(StackLayout.CONSTANT_NO_RSEQ, NativeCodes.NO_RSEQ, "NO_RSEQ");
        assertCode(StackLayout.CONSTANT_RESTART_LIMIT, NativeCodes.RESTART_LIMIT, "RESTART_LIMIT");
        assertCode(StackLayout.CONSTANT_STOPPED, NativeCodes.STOPPED, "STOPPED");
        assertCode(StackLayout.CONSTANT_BUSY, NativeCodes.BUSY, "BUSY");
        assertCode(StackLayout.CONSTANT_BAD_CPU, NativeCodes.BAD_CPU, "BAD_CPU");
        assertCode(StackLayout.CONSTANT_BAD_ADDRESS, NativeCodes.BAD_ADDRESS, "BAD_ADDRESS");
    }

    @Test
    void shouldAgreeWithTheCRegistrationStatus() {
        assertCode(StackLayout.CONSTANT_RSEQ_UNAVAILABLE, NativeCodes.RSEQ_UNAVAILABLE, "RSEQ_UNAVAILABLE");
        assertCode(StackLayout.CONSTANT_RSEQ_GLIBC, NativeCodes.RSEQ_GLIBC, "RSEQ_GLIBC");
        assertCode(StackLayout.CONSTANT_RSEQ_OWN, NativeCodes.RSEQ_OWN, "RSEQ_OWN");
    }

    @Test
    void shouldAgreeWithTheCFenceKinds() {
        assertCode(StackLayout.CONSTANT_FENCE_MEMBARRIER, NativeCodes.FENCE_MEMBARRIER, "FENCE_MEMBARRIER");
        assertCode(StackLayout.CONSTANT_FENCE_AFFINITY, NativeCodes.FENCE_AFFINITY, "FENCE_AFFINITY");
    }
}
