package dev.percpu.bridge;

/**
 * The calling thread's rseq registration and the process-wide section
 * settings, over JNI only (none of these is on a fast path). Also the test
 * hooks: pinning a thread, the restart bound, forced aborts.
 */
public final class RseqCalls {
    static {
        NativeLibrary.tryLoad();
    }

    private RseqCalls() {
    }

    /** Number of possible CPUs (highest id in /sys/devices/system/cpu/possible, plus one). */
    public static int possibleCpus() {
        return nPossibleCpus();
    }

    /** Registration of the calling thread: {@link NativeCodes#RSEQ_GLIBC}, {@link NativeCodes#RSEQ_OWN} or {@link NativeCodes#RSEQ_UNAVAILABLE}. */
    public static int rseqStatus() {
        return nRseqStatus();
    }

    /** The CPU the calling thread runs on now (may change at any moment). */
    public static int currentCpu() {
        return nCurrentCpu();
    }

    /** Exact number of section aborts the calling thread has seen. */
    public static long threadAborts() {
        return nThreadAborts();
    }

    /**
     * Pins the calling thread to {@code cpu} (its previous affinity is saved
     * the first time), or restores the saved affinity when {@code cpu < 0}.
     * For tests, benchmarks and the affinity fence.
     *
     * @return true on success, false when the kernel refused (CPU offline or outside the cpuset)
     */
    public static boolean pinCurrentThread(int cpu) {
        return nPinCurrentThread(cpu) == 0;
    }

    /** Consecutive aborts after which an operation returns {@link NativeCodes#RESTART_LIMIT}. */
    public static int restartLimit() {
        return nRestartLimit();
    }

    /**
     * Sets the restart bound, process-wide.
     *
     * @throws IllegalArgumentException when {@code limit < 1}
     */
    public static void restartLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("restart limit must be >= 1, was " + limit);
        }
        nSetRestartLimit(limit);
    }

    /** Test hook, process-wide: when on, every rseq section takes its abort path. */
    public static void forceAbort(boolean on) {
        nSetForceAbort(on);
    }

    private static native int nPossibleCpus();

    private static native int nRseqStatus();

    private static native int nCurrentCpu();

    private static native long nThreadAborts();

    private static native int nPinCurrentThread(int cpu);

    private static native int nRestartLimit();

    private static native void nSetRestartLimit(int limit);

    private static native void nSetForceAbort(boolean on);
}
