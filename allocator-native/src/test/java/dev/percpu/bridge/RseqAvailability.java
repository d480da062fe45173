package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Skip-or-fail policy for tests that need rseq: they skip where the kernel
 * or seccomp gives the thread no registration, unless the environment
 * variable {@code PERCPU_REQUIRE_RSEQ=1} is set (CI sets it), in which case a
 * missing registration fails the test instead of silently skipping it.
 */
public final class RseqAvailability {
    private RseqAvailability() {
    }

    public static void requireRseq() {
        int status = RseqCalls.rseqStatus();
        if ("1".equals(System.getenv("PERCPU_REQUIRE_RSEQ"))) {
            assertNotEquals(NativeCodes.RSEQ_UNAVAILABLE, status, "PERCPU_REQUIRE_RSEQ=1 but this thread has no rseq");
        } else {
            assumeTrue(status != NativeCodes.RSEQ_UNAVAILABLE, "rseq unavailable here");
        }
    }
}
