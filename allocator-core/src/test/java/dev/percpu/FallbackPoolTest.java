package dev.percpu;

import dev.percpu.runtime.Mode;

/** The pool contract for every pool type in {@link Mode#FALLBACK}. */
class FallbackPoolTest extends PoolContract {
    @Override
    Mode mode() {
        return Mode.FALLBACK;
    }
}
