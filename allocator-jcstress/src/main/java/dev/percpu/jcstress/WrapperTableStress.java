package dev.percpu.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.netty.PercpuByteBuf;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The wrapper table of {@link PercpuByteBufAllocator} (one idle buffer object per free block, put
 * back by the releasing thread before it frees the block, taken out by the thread that gets the
 * block next; objects made ahead, a step at a time, on a block's first use), through the public
 * API: release puts, allocation takes. Netty's leak detection is off, so the buffers handed out are
 * the allocator's own objects.
 */
public final class WrapperTableStress {
    private static final int SIZE = 64;

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    /** Shared by every state of {@link HandOver}: each state holds one buffer of it while it runs. */
    private static final PercpuByteBufAllocator SHARED = open();

    private WrapperTableStress() {
    }

    static PercpuByteBufAllocator open() {
        return PercpuByteBufAllocator.builder().classSizes(SIZE, 2 * SIZE).maxMemory(64L << 20).build();
    }

    /** One thread releases a buffer (put, then the block goes back) while another allocates one (block, then take). */
    @JCStressTest
    @Description("Release (put) racing allocation (take): a block's object changes owner only after its release")
    @Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "another block and its own object")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE_INTERESTING,
        desc = "the released block came to the other thread, with its object, after the release completed")
    @Outcome(expect = FORBIDDEN, desc = "an object in use handed out again, or a reference count disturbed by the "
        + "previous owner's release")
    @State
    public static class HandOver {
        private final ByteBuf held = SHARED.directBuffer(SIZE);
        private ByteBuf taken;

        /** The owner's last release. */
        @Actor
        public void release() {
            held.release();
        }

        /** An allocation on another thread: the same object or another, with a count of 1. */
        @Actor
        public void allocate(III_Result r) {
            ByteBuf b = SHARED.directBuffer(SIZE);
            taken = b;
            r.r1 = b == held ? 1 : 0;
            r.r2 = b.refCnt();
        }

        /** The new owner's count, once both are done, then its release. */
        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = taken.refCnt();
            taken.release();
        }
    }

    /** The first two allocations of a fresh allocator, on two threads: both blocks need their objects made. */
    @JCStressTest
    @Description("First use of a class on two threads at once: objects made ahead once per block")
    @Outcome(id = "64, 1", expect = ACCEPTABLE,
        desc = "one step of objects made ahead serves both blocks; two distinct objects")
    @Outcome(id = "128, 1", expect = ACCEPTABLE_INTERESTING,
        desc = "the second thread looked before the first step was stored, then made the next step under the lock")
    @Outcome(expect = FORBIDDEN, desc = "one object handed to both threads, or objects made for a block twice")
    @State
    public static class FirstUse {
        private final PercpuByteBufAllocator allocator = open();
        private ByteBuf first;
        private ByteBuf second;

        /** One thread's first allocation. */
        @Actor
        public void allocate1() {
            first = allocator.directBuffer(SIZE);
        }

        /** Another thread's first allocation. */
        @Actor
        public void allocate2() {
            second = allocator.directBuffer(SIZE);
        }

        /** Objects made so far, and whether the two differ and are the allocator's own; then releases and closes. */
        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = (int) allocator.bufferObjects();
            r.r2 = first != second && first instanceof PercpuByteBuf && second instanceof PercpuByteBuf ? 1 : 0;
            first.release();
            second.release();
            allocator.close();
        }
    }
}
