package dev.percpu.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.runtime.Mode;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * {@link SizeClassAllocator#close()} racing allocation and free of a class block and of a large
 * block (the large heap, outside the per-CPU stacks). As for a single slab: a racing call completes
 * or throws {@link IllegalStateException} ("is closed"), nothing else.
 */
public final class SizeClassCloseStress {
    /** One class of 64 bytes; anything larger is a large block of whole pages. */
    private static final int CLASS_SIZE = 64;
    private static final int LARGE_SIZE = 3 * 4096;

    private SizeClassCloseStress() {
    }

    static SizeClassAllocator open() {
        return SizeClassAllocator.create(SizeClassConfig.builder().classSizes(CLASS_SIZE).maxMemory(1 << 20)
            .capacityBytesPerClass(64 * 1024).handBackAfter(Duration.ZERO).mode(Mode.AUTO).build());
    }

    /** A class block's allocation against close. */
    @JCStressTest
    @Description("SizeClassAllocator.tryAllocate (a class block) racing close")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "allocated before close")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "0 (exhausted) from a class with free blocks, or another exception")
    @State
    public static class AllocateClassBlock {
        private final SizeClassAllocator allocator = open();

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Allocates a class block; 0 counts as {@code OTHER}. */
        @Actor
        public void allocate(I_Result r) {
            r.r1 = Outcomes.allocated(() -> allocator.tryAllocate(CLASS_SIZE));
        }
    }

    /** A class block's free against close. */
    @JCStressTest
    @Description("SizeClassAllocator.free (a class block) racing close")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "freed before close")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "another exception")
    @State
    public static class FreeClassBlock {
        private final SizeClassAllocator allocator = open();
        private final long address = allocator.allocate(CLASS_SIZE);

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Frees the block the state holds. */
        @Actor
        public void free(I_Result r) {
            r.r1 = Outcomes.of(() -> allocator.free(address));
        }
    }

    /** A large block's allocation against close: the large heap commits pages of the address space close unmaps. */
    @JCStressTest
    @Description("SizeClassAllocator.tryAllocate (a large block) racing close")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "allocated before close")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "0 from a heap within its budget (a commit refused: the range was unmapped "
        + "under it), or another exception")
    @State
    public static class AllocateLargeBlock {
        private final SizeClassAllocator allocator = open();

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Allocates a large block; 0 counts as {@code OTHER}. */
        @Actor
        public void allocate(I_Result r) {
            r.r1 = Outcomes.allocated(() -> allocator.tryAllocate(LARGE_SIZE));
        }
    }

    /** A large block's free against close: the free hands the pages back to the kernel. */
    @JCStressTest
    @Description("SizeClassAllocator.free (a large block) racing close")
    @Outcome(id = "1", expect = ACCEPTABLE, desc = "freed before close")
    @Outcome(id = "2", expect = ACCEPTABLE, desc = "refused: closed")
    @Outcome(expect = FORBIDDEN, desc = "another exception (e.g. madvise on the unmapped range)")
    @State
    public static class FreeLargeBlock {
        private final SizeClassAllocator allocator = open();
        private final long address = allocator.allocate(LARGE_SIZE);

        /** Closes. */
        @Actor
        public void close() {
            allocator.close();
        }

        /** Frees the block the state holds. */
        @Actor
        public void free(I_Result r) {
            r.r1 = Outcomes.of(() -> allocator.free(address));
        }
    }
}
