package dev.percpu.runtime;

/** How a thread that changes another CPU's stack waits out that CPU's sections ({@link PercpuRuntime#remoteFence()}). */
public enum RemoteFence {
    /** {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ)} on the one CPU (Linux 5.10+). */
    MEMBARRIER,
    /** The remote thread moves itself onto the CPU with {@code sched_setaffinity}: slower, no kernel feature needed. */
    AFFINITY
}
