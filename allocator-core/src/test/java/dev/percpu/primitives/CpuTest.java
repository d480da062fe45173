package dev.percpu.primitives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.bridge.RseqCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The current CPU and mm_cid as Java sees them. */
class CpuTest {
    @AfterEach
    void unpin() {
        RseqCalls.pinCurrentThread(-1);
    }

    @Test
    void shouldReportThePinnedCpu() {
        for (int cpu = 0; cpu < Runtime.getRuntime().availableProcessors(); cpu++) {
            assertTrue(RseqCalls.pinCurrentThread(cpu));
            assertEquals(cpu, Cpu.current());
        }
    }

    @Test
    void shouldReportADenseMmCidWhereTheKernelHasOne() {
        RseqAvailability.requireRseq();
        int cid = Cpu.mmCid();
        assertTrue(cid == -1 || (cid >= 0 && cid < Cpu.possible()), "mm_cid " + cid);
    }
}
