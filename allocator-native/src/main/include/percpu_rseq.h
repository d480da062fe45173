/*
 * percpu_rseq.h - the rseq ABI as percpu uses it, per-thread registration,
 * and test hooks (the codes it returns are in percpu_codes.h).
 *
 * Registration: glibc >= 2.35 registers an area for every thread and
 * publishes where it is (__rseq_offset from the thread pointer) and how big
 * (__rseq_size, 0 when glibc did not register, e.g. with
 * GLIBC_TUNABLES=glibc.pthread.rseq=0). percpu uses glibc's area when
 * __rseq_size > 0, whatever the size (20, 32, or a newer ABI's). Otherwise
 * each thread registers percpu's own TLS area on its first operation (a
 * second registration of the same thread would fail with EBUSY, which is
 * why glibc's area is always preferred), the way the ABI asks: the length
 * passed is max(32, getauxval(AT_RSEQ_FEATURE_SIZE)) and the area is
 * aligned to max(32, getauxval(AT_RSEQ_ALIGN)), never sizeof. The area
 * reserved is PERCPU_RSEQ_OWN_RESERVE bytes aligned to PERCPU_RSEQ_OWN_ALIGN;
 * a kernel that asks for more is not registered with (the thread gets
 * PERCPU_NO_RSEQ). Only the ABI is relied on and no field outside it is
 * written: cpu_id is read and compared (and set before registering, as the
 * ABI allows), rseq_cs is armed and cleared, cpu_id_start is never cached or
 * interpreted, and mm_cid is read only where the feature size and the
 * registered length both cover it.
 *
 * The environment variable PERCPU_RSEQ=off, read when the library loads,
 * makes every thread behave as if rseq were unavailable (no glibc area, no
 * own registration): for testing the paths of machines without rseq.
 */
#ifndef PERCPU_RSEQ_H
#define PERCPU_RSEQ_H

#include <stdint.h>

#include "percpu_codes.h"

/* cpu_id values that mean "no usable registration" (kernel ABI). */
#define PERCPU_CPU_ID_UNINITIALIZED ((uint32_t) -1)
#define PERCPU_CPU_ID_REGISTRATION_FAILED ((uint32_t) -2)

/* The kernel's struct rseq: 32 bytes as first defined; node_id and mm_cid since Linux 6.3. */
struct percpu_rseq_area {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
    uint32_t node_id;
    uint32_t mm_cid;
    uint32_t reserved;
} __attribute__((aligned(32)));

/* The kernel ABI's offsets; the sections' asm takes them from offsetof (PERCPU_CS_RSEQ_OFFSETS, percpu_arch.h). */
_Static_assert(__builtin_offsetof(struct percpu_rseq_area, cpu_id) == 4, "cpu_id");
_Static_assert(__builtin_offsetof(struct percpu_rseq_area, rseq_cs) == 8, "rseq_cs");
_Static_assert(sizeof(struct percpu_rseq_area) == 32, "struct rseq is 32 bytes");

/* The original ABI's fields (cpu_id_start .. flags): what a kernel without AT_RSEQ_FEATURE_SIZE fills. */
#define PERCPU_RSEQ_ORIGINAL_FEATURE_SIZE 20ul
/* The smallest length and alignment the kernel accepts for a registration. */
#define PERCPU_RSEQ_MIN_LENGTH 32ul
/* What percpu reserves for its own area (per thread, static TLS). */
#define PERCPU_RSEQ_OWN_RESERVE 128ul
#define PERCPU_RSEQ_OWN_ALIGN 64

/* Registration kind chosen at load: glibc's area, or our own per thread. */
void percpu_rseq_init(void);

/*
 * The calling thread's area, registering percpu's own on first use when
 * glibc has none. Its cpu_id is >= 0 only when the registration works.
 */
struct percpu_rseq_area *percpu_rseq_area_slow(void);

extern int percpu_rseq_uses_glibc __attribute__((visibility("hidden")));
extern long percpu_rseq_glibc_offset __attribute__((visibility("hidden")));

static inline struct percpu_rseq_area *percpu_rseq_area(void)
{
    if (__builtin_expect(percpu_rseq_uses_glibc, 1)) {
        return (struct percpu_rseq_area *) ((char *) __builtin_thread_pointer() + percpu_rseq_glibc_offset);
    }
    return percpu_rseq_area_slow();
}

/* The kernel's feature size (AT_RSEQ_FEATURE_SIZE; 20 where the kernel does not say). */
unsigned long percpu_rseq_feature_size(void);

/* Length for registering percpu's own area: max(32, feature size). */
unsigned long percpu_rseq_registration_length(void);

/* Alignment of percpu's own area: max(32, AT_RSEQ_ALIGN). */
unsigned long percpu_rseq_registration_align(void);

/*
 * Bytes of a registered area the kernel keeps up to date: registered_length
 * (a glibc __rseq_size of 20 or 32 stands for a 32-byte registration) capped
 * by the feature size.
 */
unsigned long percpu_rseq_usable_bytes(unsigned long registered_length, unsigned long feature_size);

/*
 * Test seam, compiled in always: makes percpu_rseq_feature_size and the
 * registration use feature_size and align instead of the auxiliary vector's
 * values (0 keeps the real value), for threads that register after the
 * call. Used by percpu_registration_test.c to test the Linux 7.0 values
 * (33, 64) on older kernels; nothing else calls it.
 */
void percpu_rseq_abi_override(unsigned long feature_size, unsigned long align);

/* PERCPU_RSEQ_GLIBC, PERCPU_RSEQ_OWN or PERCPU_RSEQ_UNAVAILABLE for the caller. */
int percpu_rseq_status(void);

/* The caller's current CPU: rseq cpu_id when registered, else sched_getcpu(). */
int percpu_current_cpu(void);

/*
 * The caller's mm_cid (a dense per-process concurrency id, Linux 6.3+), or
 * -1 where the kernel does not provide it (usable bytes of the area below
 * 28) or the thread has no registration.
 */
int percpu_mm_cid(void);

/* Number of possible CPUs: highest id in /sys/devices/system/cpu/possible + 1. */
int percpu_possible_cpus(void);

/*
 * Pins the calling thread to one CPU (saving its affinity the first time),
 * or with cpu < 0 restores the saved affinity. For tests and benchmarks.
 * Returns 0 or -errno.
 */
int percpu_pin_current_thread(int cpu);

/* Aborts seen by the calling thread since it started (exact). */
uint64_t percpu_thread_aborts(void);

/*
 * Tuning and test hooks, process-wide. restart_limit: consecutive aborts
 * after which an operation gives up with PERCPU_RESTART_LIMIT (>= 1).
 * force_abort: nonzero makes every section jump to its abort handler right
 * after arming, so the restart bound can be exercised deterministically.
 */
extern uint32_t percpu_restart_limit __attribute__((visibility("hidden")));
extern uint32_t percpu_force_abort __attribute__((visibility("hidden")));
extern __thread uint64_t percpu_tls_aborts __attribute__((tls_model("initial-exec"), visibility("hidden")));

#endif
