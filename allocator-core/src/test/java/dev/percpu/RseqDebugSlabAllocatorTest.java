package dev.percpu;

import dev.percpu.runtime.Mode;

/** The whole allocator contract in {@link Mode#RSEQ} with debug mode on: state bitmap, poison and checks in every path. */
class RseqDebugSlabAllocatorTest extends RseqSlabAllocatorTest {
    @Override
    boolean debug() {
        return true;
    }
}
