package dev.percpu;

import dev.percpu.runtime.Mode;

/** The allocator contract in {@link Mode#FALLBACK}: runs everywhere. */
class FallbackSlabAllocatorTest extends SlabAllocatorContract {
    @Override
    Mode mode() {
        return Mode.FALLBACK;
    }
}
