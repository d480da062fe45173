package dev.percpu.bridge;

import dev.percpu.properties.PercpuProperties;

/**
 * Whether percpu can run in this JVM, decided once and never by throwing:
 * the native library loads for this platform, the bridge of the fast calls
 * initialises and the library answers a first call. Every public entry point
 * that needs the library asks {@link #require()} first, so on an unsupported
 * platform (another OS or architecture, a glibc the library cannot load on, a
 * library path that does not load) it throws the same clear
 * {@link UnsupportedOperationException} on every call, and no class
 * initializer of the API or of this bridge fails. The outcome and, where
 * percpu runs, the runtime's effective configuration are logged once at DEBUG
 * to the {@link System.Logger} {@value #LOGGER}.
 */
public final class Availability {
    /** Name of the {@link System.Logger} the runtime logs to. */
    public static final String LOGGER = "dev.percpu.runtime";
    private static final Throwable CAUSE = probe();

    private Availability() {
    }

    /** Why percpu cannot run in this JVM, or null when it can. */
    public static Throwable cause() {
        return CAUSE;
    }

    /**
     * Returns when percpu can run in this JVM.
     *
     * @throws UnsupportedOperationException naming the cause, on every call, where it cannot
     */
    public static void require() {
        if (CAUSE != null) {
            throw unsupported();
        }
    }

    /** A new exception saying that percpu cannot run here and why, with the cause attached. */
    public static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("percpu is not available in this JVM (" + CAUSE
            + "); PercpuRuntime.isAvailable() tells this beforehand, PercpuRuntime.unavailabilityCause() why", CAUSE);
    }

    private static Throwable probe() {
        System.Logger log = System.getLogger(LOGGER);
        Throwable cause;
        try {
            cause = NativeLibrary.tryLoad();
            if (cause == null) {
                Bridges.name();
                RseqCalls.possibleCpus();
            }
        } catch (ExceptionInInitializerError e) {
            cause = e.getCause() != null ? e.getCause() : e;
        } catch (RuntimeException | LinkageError e) {
            cause = e;
        }
        if (cause != null) {
            log.log(System.Logger.Level.DEBUG, "percpu unavailable: " + cause);
        } else if (log.isLoggable(System.Logger.Level.DEBUG)) {
            log.log(System.Logger.Level.DEBUG, describe());
        }
        return cause;
    }

    /** The runtime's effective configuration, as seen by the calling thread. */
    private static String describe() {
        int status = RseqCalls.rseqStatus();
        String registration = status == NativeCodes.RSEQ_GLIBC ? "glibc"
            : status == NativeCodes.RSEQ_OWN ? "own" : "none";
        return "percpu runtime: library " + NativeLibrary.loadedFrom() + ", bridge " + Bridges.name()
            + ", registration of thread " + Thread.currentThread().getName() + " " + registration
            + ", default mode " + (status == NativeCodes.RSEQ_UNAVAILABLE ? "fallback" : "rseq")
            + ", remote fence " + (BlockCalls.fenceKind() == NativeCodes.FENCE_MEMBARRIER ? "membarrier" : "affinity")
            + ", possible CPUs " + RseqCalls.possibleCpus()
            + ", " + PercpuProperties.MODE + " " + PercpuProperties.property(PercpuProperties.MODE);
    }
}
