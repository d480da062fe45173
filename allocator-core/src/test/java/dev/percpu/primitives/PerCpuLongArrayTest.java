package dev.percpu.primitives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.PinnedRun;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The per-CPU operations, on a thread pinned to one CPU (PinnedRun), in rseq and fallback mode. */
class PerCpuLongArrayTest {

    /** A fresh array in mode; the checks using it run pinned (PinnedRun), so they may make one per attempt. */
    private static PerCpuLongArray created(Mode mode) {
        PerCpuLongArray array = PerCpuLongArray.create(4, mode);
        assertEquals(mode, array.mode());
        return array;
    }

    private static void needRseqFor(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldAddToTheCurrentCpusRowAndReportIt(Mode mode) throws Exception {
        needRseqFor(mode);
        PinnedRun.onCurrentCpu(cpu -> {
            PerCpuLongArray array = created(mode);
            assertEquals(cpu, array.add(2, 5));
            assertEquals(cpu, array.add(2, -2));
            assertEquals(3, array.get(cpu, 2));
            assertEquals(3, array.sum(2));
            assertEquals(0, array.sum(1), "other words untouched");
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCompareAndSetOnlyWhenTheWordMatches(Mode mode) throws Exception {
        needRseqFor(mode);
        PinnedRun.onCurrentCpu(cpu -> {
            PerCpuLongArray array = created(mode);
            assertEquals(PerCpuResult.COMPARE_FAILED, array.compareAndSet(0, 7, 9));
            assertEquals(0, array.get(cpu, 0));
            assertEquals(PerCpuResult.OK, array.compareAndSet(0, 0, 9));
            assertEquals(9, array.get(cpu, 0));
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldStoreTheSecondWordOnlyWhenTheCompareSucceeds(Mode mode) throws Exception {
        needRseqFor(mode);
        PinnedRun.onCurrentCpu(cpu -> {
            PerCpuLongArray array = created(mode);
            assertEquals(PerCpuResult.COMPARE_FAILED, array.compareAndSetWithStore(0, 1, 2, 3, 42));
            assertEquals(0, array.get(cpu, 3), "no try store after a failed compare");
            assertEquals(PerCpuResult.OK, array.compareAndSetWithStore(0, 0, 2, 3, 42));
            assertEquals(42, array.get(cpu, 3));
            assertEquals(2, array.get(cpu, 0));
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCopyBytesBeforeCommitting(Mode mode) throws Exception {
        needRseqFor(mode);
        PinnedRun.onCurrentCpu(cpu -> {
            PerCpuLongArray array = created(mode);
            byte[] src = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
            assertEquals(PerCpuResult.COMPARE_FAILED, array.compareAndSetWithCopy(0, 5, 6, 8, src, 0, 16));
            assertEquals(0, array.get(cpu, 1));
            assertEquals(PerCpuResult.OK, array.compareAndSetWithCopy(0, 0, 6, 8, src, 0, 16));
            assertEquals(0x0807060504030201L, array.get(cpu, 1), "bytes landed in little-endian word 1");
            assertEquals(0x100f0e0d0c0b0a09L, array.get(cpu, 2));
            assertEquals(6, array.get(cpu, 0));
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldRejectIndicesAndRangesOutsideTheRow(Mode mode) {
        needRseqFor(mode);
        PerCpuLongArray array = created(mode);
        byte[] src = new byte[64];
        assertThrows(IndexOutOfBoundsException.class, () -> array.add(4, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> array.add(-1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> array.compareAndSetWithStore(0, 0, 1, 4, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> array.compareAndSetWithCopy(0, 0, 1, 24, src, 0, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> array.compareAndSetWithCopy(0, 0, 1, 0, src, 60, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> array.get(array.cpus(), 0));
        assertThrows(IllegalArgumentException.class, () -> PerCpuLongArray.create(0));
        assertThrows(IllegalArgumentException.class,
            () -> PerCpuLongArray.create(1024, mode).compareAndSetWithCopy(0, 0, 1, 0, new byte[8192], 0, 4097));
        assertEquals(0, array.sum(0), "rejected calls wrote nothing");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCountEveryIncrementFromManyThreads(Mode mode) throws InterruptedException {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        PerCpuCounter counter = PerCpuCounter.create(mode);
        assertEquals(mode, counter.mode());
        int threads = 4 * Runtime.getRuntime().availableProcessors();
        int perThread = 200_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    counter.increment();
                }
            }));
        }
        workers.forEach(Thread::start);
        for (Thread w : workers) {
            w.join();
        }
        assertEquals((long) threads * perThread, counter.sum(), "no increment lost or doubled");
        long onCpus = 0;
        for (int cpu = 0; cpu < Cpu.possible(); cpu++) {
            onCpus += counter.onCpu(cpu);
        }
        assertTrue(onCpus > 0, "increments landed on the per-CPU rows");
    }
}
