package dev.percpu;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import org.junit.jupiter.api.BeforeEach;

/** The pool contract for every pool type in {@link Mode#RSEQ}; skips only where the set-up declares no registration (RseqAvailability). */
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
