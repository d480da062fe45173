package dev.percpu.primitives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.PinnedRun;
import dev.percpu.bridge.RseqAvailability;
import org.junit.jupiter.api.Test;

/** The current CPU and mm_cid as Java sees them. */
class CpuTest {
    @Test
    void shouldReportThePinnedCpu() throws Exception {
        for (int cpu = 0; cpu < Runtime.getRuntime().availableProcessors(); cpu++) {
            PinnedRun.onCpu(cpu, pinned -> assertEquals(pinned, Cpu.current()));
        }
    }

    @Test
    void shouldReportADenseMmCidWhereTheKernelHasOne() {
        RseqAvailability.requireRseq();
        int cid = Cpu.mmCid();
        assertTrue(cid == -1 || (cid >= 0 && cid < Cpu.possible()), "mm_cid " + cid);
    }
}
