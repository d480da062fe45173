package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * With glibc's registration turned off, percpu registers its own area per
 * thread and the operations still run as rseq sections.
 */
class OwnRegistrationTest {
    @Test
    void shouldRegisterItsOwnAreaWhenGlibcDidNot() throws Exception {
        RseqAvailability.requireRseq();
        ForkedJvm run = ForkedJvm.runWithoutGlibcRseq(BridgeProbe.class);
        assertEquals(0, run.exitCode, run.toString());
        assertEquals(String.valueOf(NativeCodes.RSEQ_OWN), run.value("rseqStatus"), run.toString());
        assertEquals("ok", run.value("roundTrip"), run.toString());
    }
}
