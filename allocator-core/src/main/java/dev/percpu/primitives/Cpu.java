package dev.percpu.primitives;

import dev.percpu.bridge.Availability;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.RseqCalls;

/**
 * Which CPU the calling thread runs on, read from its rseq area (one native
 * call: JNI, or an FFM downcall where the JVM binds FFM). The answer may be
 * stale as soon as it is returned: use it as a hint (for striping,
 * statistics), never as a guarantee; the primitives check the CPU inside
 * their sections. Every method throws
 * {@link UnsupportedOperationException} where percpu cannot run
 * ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false).
 */
public final class Cpu {
    private Cpu() {
    }

    /** The current CPU id (rseq cpu_id, or sched_getcpu() for a thread without rseq). */
    public static int current() {
        Availability.require();
        return Bridges.primitives().currentCpu();
    }

    /**
     * The current mm_cid: a concurrency id in {@code [0, min(threads, CPUs))}
     * that the kernel keeps dense per process (Linux 6.3+), so data indexed
     * by it is bounded by running threads rather than by CPUs; -1 where the
     * kernel or the registration does not provide it.
     */
    public static int mmCid() {
        Availability.require();
        return Bridges.primitives().mmCid();
    }

    /** Number of possible CPUs (the size of every per-CPU structure here). */
    public static int possible() {
        Availability.require();
        return RseqCalls.possibleCpus();
    }
}
