package dev.percpu;

import dev.percpu.runtime.Mode;

/** Debug mode in {@link Mode#FALLBACK}. */
class FallbackSlabDebugTest extends SlabDebugContract {
    @Override
    Mode mode() {
        return Mode.FALLBACK;
    }
}
