package dev.percpu;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import org.junit.jupiter.api.BeforeEach;

/** The pool contract for every pool type in {@link Mode#RSEQ}; skips where rseq is unavailable unless PERCPU_REQUIRE_RSEQ=1. */
class RseqPoolTest extends PoolContract {
    @Override
    Mode mode() {
        return Mode.RSEQ;
    }

    @BeforeEach
    void needRseq() {
        RseqAvailability.requireRseq();
    }
}
