package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many Java threads push and pop random batches on one block; at the end
 * every index is in exactly one place (a CPU stack or the overflow list).
 * Run in rseq mode, in fallback mode, and in rseq mode with a thread that
 * keeps switching the force-abort hook on and off so that sections abort,
 * hit the restart bound and go to the overflow list: those aborts are
 * counted and must be nonzero.
 */
class StackConservationTest {
    private static final int HELD = 64;
    private final StackCalls bridge = Bridges.stacks();

    @ParameterizedTest(name = "{0}")
    @CsvSource({"rseq", "fallback", "rseq-forced-aborts"})
    void shouldKeepEveryIndexExactlyOnce(String mode) throws Exception {
        boolean fallback = mode.equals("fallback");
        boolean forced = mode.equals("rseq-forced-aborts");
        if (!fallback) {
            RseqAvailability.requireRseq();
        }
        int ncpu = RseqCalls.possibleCpus();
        int stride = 128;
        int indices = stride * ncpu;
        long block = BlockCalls.createBlock(ncpu, stride);
        ArrayDeque<Integer> overflow = new ArrayDeque<>();
        for (int i = 0; i < indices; i++) {
            overflow.push(i);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong aborts = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        AtomicLong noRseq = new AtomicLong();
        int restartLimit = RseqCalls.restartLimit();
        if (forced) {
            RseqCalls.restartLimit(4);
        }
        List<Thread> threads = new ArrayList<>();
        int workers = 4 * Runtime.getRuntime().availableProcessors();
        for (int t = 0; t < workers; t++) {
            long seed = t;
            threads.add(new Thread(() -> {
                long abortsBefore = RseqCalls.threadAborts();
                SplittableRandom random = new SplittableRandom(seed);
                int[] held = new int[HELD];
                int nheld = 0;
                while (!stop.get()) {
                    if (random.nextBoolean() && nheld < HELD) {
                        int want = 1 + random.nextInt(HELD - nheld);
                        int r = fallback ? bridge.fallbackPopBatch(block, held, nheld, want)
                            : bridge.popBatch(block, held, nheld, want);
                        if (r > 0) {
                            nheld += r;
                        } else {
                            if (r == NativeCodes.NO_RSEQ) {
                                noRseq.incrementAndGet();
                            } else if (r != 0 && r != NativeCodes.RESTART_LIMIT && r != NativeCodes.BUSY) {
                                unexpected.incrementAndGet();
                            }
                            synchronized (overflow) {
                                while (nheld < HELD && !overflow.isEmpty() && want-- > 0) {
                                    held[nheld++] = overflow.pop();
                                }
                            }
                        }
                    } else if (nheld > 0) {
                        int give = 1 + random.nextInt(nheld);
                        int from = nheld - give;
                        int r = fallback ? bridge.fallbackPushBatch(block, held, from, give)
                            : bridge.pushBatch(block, held, from, give);
                        if (r < 0) {
                            if (r != NativeCodes.RESTART_LIMIT && r != NativeCodes.BUSY) {
                                unexpected.incrementAndGet();
                            }
                            r = 0;
                        }
                        synchronized (overflow) {
                            for (int i = from + r; i < nheld; i++) {
                                overflow.push(held[i]);
                            }
                        }
                        nheld = from;
                    }
                }
                synchronized (overflow) {
                    for (int i = 0; i < nheld; i++) {
                        overflow.push(held[i]);
                    }
                }
                aborts.addAndGet(RseqCalls.threadAborts() - abortsBefore);
            }));
        }
        Thread toggler = new Thread(() -> {
            while (!stop.get()) {
                RseqCalls.forceAbort(true);
                Thread.onSpinWait();
                RseqCalls.forceAbort(false);
                try {
                    Thread.sleep(0, 200_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        threads.forEach(Thread::start);
        if (forced) {
            toggler.start();
        }
        Thread.sleep(1500);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        toggler.join();
        RseqCalls.forceAbort(false);
        RseqCalls.restartLimit(restartLimit);

        try {
            int[] seen = new int[indices];
            ByteBuffer headers = MemoryCalls.view(block, StackLayout.cpuHeaderOffset(ncpu));
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int hdr = (int) StackLayout.cpuHeaderOffset(cpu);
                int top = headers.getInt(hdr + StackLayout.TOP_OFFSET);
                assertEquals(0, headers.getInt(hdr + StackLayout.LOCK_OFFSET), "lock released on cpu " + cpu);
                assertTrue(top <= stride, "top within capacity");
                ByteBuffer slots = MemoryCalls.view(headers.getLong(hdr + StackLayout.SLOTS_OFFSET), 4L * stride);
                for (int i = 0; i < top; i++) {
                    seen[slots.getInt(4 * i)]++;
                }
            }
            for (int index : overflow) {
                seen[index]++;
            }
            for (int i = 0; i < indices; i++) {
                assertEquals(1, seen[i], "index " + i + " must be owned exactly once");
            }
            assertEquals(0, unexpected.get(), "unexpected result codes");
            if (fallback) {
                assertEquals(0, aborts.get(), "fallback mode never runs a section");
            } else {
                assertEquals(0, noRseq.get(), "every thread had a working registration");
            }
            if (forced) {
                assertTrue(aborts.get() > 0, "the force-abort hook made sections abort: " + aborts.get());
            }
        } finally {
            BlockCalls.destroyBlock(block);
        }
    }
}
