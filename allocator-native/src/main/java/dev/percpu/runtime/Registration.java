package dev.percpu.runtime;

/** Where the calling thread's rseq area comes from ({@link PercpuRuntime#registration()}). */
public enum Registration {
    /** glibc 2.35+ registered the area at thread start; percpu uses it. */
    GLIBC,
    /** glibc did not register (older glibc, {@code glibc.pthread.rseq=0}, CRaC); percpu registered its own area. */
    OWN,
    /** No working registration (kernel before 4.18, rseq blocked by seccomp, another library's area): fallback mode. */
    NONE
}
