package dev.percpu;

import dev.percpu.runtime.Mode;

/** The whole allocator contract in {@link Mode#FALLBACK} with debug mode on. */
class FallbackDebugSlabAllocatorTest extends FallbackSlabAllocatorTest {
    @Override
    boolean debug() {
        return true;
    }
}
