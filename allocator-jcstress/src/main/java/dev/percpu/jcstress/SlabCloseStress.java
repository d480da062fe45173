package dev.percpu.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.LeakReport;
import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.runtime.Mode;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * {@link SlabAllocator#close()} racing allocation and free, in each mode. A call that races with
 * close either completes as on an open pool or throws {@link IllegalStateException} ("is closed");
 * it never reports exhaustion of a pool with free slots, never throws anything else and never
 * crashes the JVM. Each state is a small allocator of its own (closed by the race; its stacks'
 * header page stays mapped, as documented).
 */
public final class SlabCloseStress {
    private SlabCloseStress() {
    }

    static SlabAllocator open(Mode mode, boolean debug, AtomicLong leaked) {
        return SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).perCpuCapacity(8)
            .mode(mode).debug(debug).leakHandler((LeakReport report) -> leaked.addAndGet(report.count())).build());
    }

    /** tryAllocate against close, rseq mode. */
    @JCStressTest
    @Description("SlabAllocator.tryAllocate racing close (rseq)")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "allocated before close stopped the stacks")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "0 (exhausted) from a pool with free slots, or another exception")
    @State
    public static class TryAllocateRseq {
        private final SlabAllocator allocator = open(Mode.RSEQ, false, new AtomicLong());

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Allocates one slot; 0 counts as {@code OTHER}. */
        @Actor
        public void allocate(I_Result r) {
            r.r1 = Outcomes.allocated(allocator::tryAllocate);
        }
    }

    /** tryAllocate against close, fallback mode. */
    @JCStressTest
    @Description("SlabAllocator.tryAllocate racing close (fallback)")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "allocated before close stopped the stacks")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "0 (exhausted) from a pool with free slots, or another exception")
    @State
    public static class TryAllocateFallback {
        private final SlabAllocator allocator = open(Mode.FALLBACK, false, new AtomicLong());

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Allocates one slot; 0 counts as {@code OTHER}. */
        @Actor
        public void allocate(I_Result r) {
            r.r1 = Outcomes.allocated(allocator::tryAllocate);
        }
    }

    /** free against close, rseq mode. */
    @JCStressTest
    @Description("SlabAllocator.free racing close (rseq)")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "freed before close stopped the stacks")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "another exception (the address was valid and handed out)")
    @State
    public static class FreeRseq {
        private final SlabAllocator allocator = open(Mode.RSEQ, false, new AtomicLong());
        private final long address = allocator.allocate();

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Frees the slot the state holds. */
        @Actor
        public void free(I_Result r) {
            r.r1 = Outcomes.of(() -> allocator.free(address));
        }
    }

    /** free against close, fallback mode. */
    @JCStressTest
    @Description("SlabAllocator.free racing close (fallback)")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "freed before close stopped the stacks")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "another exception (the address was valid and handed out)")
    @State
    public static class FreeFallback {
        private final SlabAllocator allocator = open(Mode.FALLBACK, false, new AtomicLong());
        private final long address = allocator.allocate();

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Frees the slot the state holds. */
        @Actor
        public void free(I_Result r) {
            r.r1 = Outcomes.of(() -> allocator.free(address));
        }
    }

    /**
     * free against close in debug mode, rseq: the free poisons the slot (a write to memory close
     * unmaps) and close reports what is still allocated.
     */
    @JCStressTest
    @Description("SlabAllocator.free racing close in debug mode (rseq): outcome of free, slots reported leaked")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "freed before close; nothing leaked")
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "closed first: refused, and the slot reported leaked")
    @Outcome(id = "2, 0", expect = ACCEPTABLE_INTERESTING,
        desc = "marked free and poisoned before close, then refused by the stopped stack: not reported leaked")
    @Outcome(expect = FORBIDDEN, desc = "freed yet reported leaked, another exception, or the poison write failed")
    @State
    public static class FreeDebugRseq {
        private final AtomicLong leaked = new AtomicLong();
        private final SlabAllocator allocator = open(Mode.RSEQ, true, leaked);
        private final long address = allocator.allocate();

        /** Closes, recording the slots reported leaked. */
        @Actor
        public void close(II_Result r) {
            allocator.close();
            r.r2 = (int) leaked.get();
        }

        /** Frees the slot the state holds. */
        @Actor
        public void free(II_Result r) {
            r.r1 = Outcomes.of(() -> allocator.free(address));
        }
    }
}
