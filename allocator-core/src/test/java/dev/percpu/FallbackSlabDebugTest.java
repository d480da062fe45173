package dev.percpu;

/** Debug mode in {@link Mode#FALLBACK}. */
class FallbackSlabDebugTest extends SlabDebugContract {
    @Override
    Mode mode() {
        return Mode.FALLBACK;
    }
}
