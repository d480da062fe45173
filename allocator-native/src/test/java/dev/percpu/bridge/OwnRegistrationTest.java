package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With glibc's registration turned off, percpu registers its own area per
 * thread and the operations still run as rseq sections.
 */
class OwnRegistrationTest {
    @Test
    void shouldRegisterItsOwnAreaWhenGlibcDidNot() throws Exception {
        RseqAvailability.requireRseq();
        ForkedJvm run = ForkedJvm.run(BridgeProbe.class, List.of(),
            Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0"));
        assertEquals(0, run.exitCode, run.toString());
        assertEquals(String.valueOf(NativeCodes.RSEQ_OWN), run.value("rseqStatus"), run.toString());
        assertEquals("ok", run.value("roundTrip"), run.toString());
    }
}
