package dev.percpu.primitives;

import dev.percpu.bridge.NativeCodes;

/**
 * The fixed result codes of the per-CPU primitives (mirroring
 * {@code percpu_primitives.h}). Non-negative values of {@code add} are the
 * CPU the add landed on; non-negative values of {@code begin} are tickets.
 */
public final class PerCpuResult {
    /** The operation committed. */
    public static final int OK = 0;
    /** The compared word did not hold the expected value (or the event counter moved); nothing was written. */
    public static final int COMPARE_FAILED = 1;
    /** Event-count commit: the thread no longer runs on the ticket's CPU; nothing was written. */
    public static final int NOT_ON_CPU = -1;
    /** The calling thread has no rseq registration (an rseq-mode object used from such a thread). */
    public static final int NO_RSEQ = NativeCodes.NO_RSEQ;
    /** The section aborted {@code restartLimit} times in a row (debugger, signal storm); nothing was written. */
    public static final int RESTART_LIMIT = NativeCodes.RESTART_LIMIT;
    /** Fallback mode: the row's lock stayed taken; nothing was written. */
    public static final int BUSY = NativeCodes.BUSY;
    /** The kernel reported a CPU id beyond the possible CPUs; nothing was written. */
    public static final int BAD_CPU = NativeCodes.BAD_CPU;

    private PerCpuResult() {
    }

    /** A short name for a code, for messages. */
    public static String name(long code) {
        if (code == OK) {
            return "OK";
        } else if (code == COMPARE_FAILED) {
            return "COMPARE_FAILED";
        } else if (code == NOT_ON_CPU) {
            return "NOT_ON_CPU";
        } else if (code == NO_RSEQ) {
            return "NO_RSEQ";
        } else if (code == RESTART_LIMIT) {
            return "RESTART_LIMIT";
        } else if (code == BUSY) {
            return "BUSY";
        } else if (code == BAD_CPU) {
            return "BAD_CPU";
        }
        return code > 0 ? "value " + code : "code " + code;
    }
}
