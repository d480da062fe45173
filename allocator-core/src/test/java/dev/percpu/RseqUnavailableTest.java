package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.ForkedJvm;
import dev.percpu.bridge.NativeCodes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A JVM whose threads have no rseq (PERCPU_RSEQ=off, the same state as an
 * old kernel or a seccomp filter): rseq calls return the distinct NO_RSEQ
 * result without touching the stacks, AUTO resolves to FALLBACK, and an
 * explicit RSEQ request is refused with a clear message.
 */
class RseqUnavailableTest {
    @Test
    void shouldFallBackWhereNoThreadHasRseq() throws Exception {
        ForkedJvm run = ForkedJvm.run(NoRseqProbe.class, List.of(), Map.of("PERCPU_RSEQ", "off"));
        assertEquals(0, run.exitCode, run.toString());
        assertEquals(String.valueOf(NativeCodes.RSEQ_UNAVAILABLE), run.value("rseqStatus"), run.toString());
        assertEquals(String.valueOf(NativeCodes.NO_RSEQ), run.value("rseqPush"), run.toString());
        assertEquals(String.valueOf(NativeCodes.NO_RSEQ), run.value("rseqPop"), run.toString());
        assertEquals("FALLBACK", run.value("autoMode"), run.toString());
        assertEquals("100 inUse=0", run.value("autoRoundTrip"), run.toString());
        assertTrue(run.value("rseqMode").startsWith("refused: mode RSEQ requested"), run.toString());
    }
}
