package dev.percpu.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shared {@link ConservationStress} on one block's stacks through the
 * bridge: workers pop and push random batches; what a pop cannot give comes
 * from an overflow list, what a push refuses goes there. At the end every
 * index is in exactly one place (a CPU stack or the overflow list). Run in
 * rseq mode, in fallback mode, and in rseq mode with forced aborts (which
 * must be seen).
 */
class StackConservationTest {
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
        try {
            Stacks stacks = new Stacks(block, fallback);
            for (int i = 0; i < indices; i++) {
                stacks.overflow.push(i);
            }
            ConservationStress<Integer> stress = ConservationStress.of(stacks, 64);
            if (forced) {
                stress.forceAborts();
            }
            ConservationStress.Result result = stress.run(1500);

            List<Integer> found = new ArrayList<>(stacks.overflow);
            ByteBuffer headers = MemoryCalls.view(block, StackLayout.cpuHeaderOffset(ncpu));
            for (int cpu = 0; cpu < ncpu; cpu++) {
                int hdr = (int) StackLayout.cpuHeaderOffset(cpu);
                int top = headers.getInt(hdr + StackLayout.TOP_OFFSET);
                assertEquals(0, headers.getInt(hdr + StackLayout.LOCK_OFFSET), "lock released on cpu " + cpu);
                assertTrue(top <= stride, "top within capacity");
                ByteBuffer slots = MemoryCalls.view(headers.getLong(hdr + StackLayout.SLOTS_OFFSET), 4L * stride);
                for (int i = 0; i < top; i++) {
                    found.add(slots.getInt(4 * i));
                }
            }
            assertTrue(found.stream().allMatch(i -> i >= 0 && i < indices), "no garbage index");
            ConservationStress.assertOwnedExactlyOnce(found, indices, "indices");
            assertEquals(0, stacks.unexpected.get(), "unexpected result codes");
            if (fallback) {
                assertEquals(0, result.aborts(), "fallback mode never runs a section");
            } else {
                assertEquals(0, stacks.noRseq.get(), "every thread had a working registration");
            }
            if (forced) {
                assertTrue(result.aborts() > 0, "the force-abort hook made sections abort: " + result.aborts());
            }
        } finally {
            BlockCalls.destroyBlock(block);
        }
    }

    /** The block's stacks with an overflow list standing in for a depot. */
    private final class Stacks implements ConservationStress.Subject<Integer> {
        final ArrayDeque<Integer> overflow = new ArrayDeque<>();
        final AtomicLong unexpected = new AtomicLong();
        final AtomicLong noRseq = new AtomicLong();
        private final long block;
        private final boolean fallback;

        Stacks(long block, boolean fallback) {
            this.block = block;
            this.fallback = fallback;
        }

        @Override
        public void acquire(List<Integer> into, int n) {
            int[] batch = new int[n];
            int r = bridge.popBatch(block, fallback, batch, 0, n);
            for (int i = 0; i < r; i++) {
                into.add(batch[i]);
            }
            if (r > 0) {
                return;
            }
            if (r == NativeCodes.NO_RSEQ) {
                noRseq.incrementAndGet();
            } else if (r != 0 && r != NativeCodes.RESTART_LIMIT && r != NativeCodes.BUSY) {
                unexpected.incrementAndGet();
            }
            synchronized (overflow) {
                for (int i = 0; i < n && !overflow.isEmpty(); i++) {
                    into.add(overflow.pop());
                }
            }
        }

        @Override
        public void release(List<Integer> items) {
            int[] batch = items.stream().mapToInt(Integer::intValue).toArray();
            int r = bridge.pushBatch(block, fallback, batch, 0, batch.length);
            if (r < 0) {
                if (r != NativeCodes.RESTART_LIMIT && r != NativeCodes.BUSY) {
                    unexpected.incrementAndGet();
                }
                r = 0;
            }
            synchronized (overflow) {
                for (int i = r; i < batch.length; i++) {
                    overflow.push(batch[i]);
                }
            }
        }
    }
}
