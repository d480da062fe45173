package dev.percpu.runtime;

import dev.percpu.bridge.Availability;
import dev.percpu.bridge.NativeCodes;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.properties.PercpuProperties;

/**
 * How a pool drives its per-CPU stacks (and how a primitive drives its
 * per-CPU rows).
 *
 * <p>Chosen per object by its builder ({@code mode(Mode)}); when the builder
 * leaves it unset, the system property {@value PercpuProperties#MODE} decides
 * ({@code auto}, {@code rseq} or {@code fallback}), and without that,
 * {@link #AUTO}. The builder always wins over the property. An object
 * reports the mode it resolved to: never AUTO.
 */
public enum Mode {
    /** rseq where the kernel and the thread's registration allow it, otherwise fallback. */
    AUTO,
    /** Restartable sequences: no lock, no atomic read-modify-write on the fast path. Fails to build where unavailable. */
    RSEQ,
    /** The same stacks under a per-CPU try-lock (one CAS and one release store per operation). */
    FALLBACK;

    /**
     * The mode an object created now by the calling thread runs in:
     * {@link #RSEQ} or {@link #FALLBACK}, never AUTO.
     *
     * @throws IllegalStateException when this is {@link #RSEQ} but the calling thread has no rseq registration
     * @throws UnsupportedOperationException where percpu is not available ({@link PercpuRuntime#isAvailable()})
     */
    public Mode resolved() {
        Availability.require();
        boolean rseq = RseqCalls.rseqStatus() != NativeCodes.RSEQ_UNAVAILABLE;
        if (this == RSEQ && !rseq) {
            throw new IllegalStateException("mode RSEQ requested, but this thread has no rseq registration "
                + "(kernel older than 4.18, rseq blocked by seccomp, or registered by another library); "
                + "use Mode.AUTO or Mode.FALLBACK");
        }
        return this == FALLBACK || !rseq ? FALLBACK : RSEQ;
    }

    /**
     * The mode named by the system property {@value PercpuProperties#MODE} (case-insensitive), or {@link #AUTO}
     * when it is unset or blank.
     *
     * @throws IllegalArgumentException when the property names no mode
     */
    public static Mode fromProperty() {
        String value = PercpuProperties.property(PercpuProperties.MODE);
        switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "auto":
                return AUTO;
            case "rseq":
                return RSEQ;
            case "fallback":
                return FALLBACK;
            default:
                throw new IllegalArgumentException(
                    PercpuProperties.MODE + "=" + value + " is not a mode (auto, rseq or fallback)");
        }
    }
}
