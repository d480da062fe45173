/*
 * percpu_rseq.c - per-thread rseq registration and process-wide settings.
 * See percpu_rseq.h for the registration policy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "percpu_rseq.h"

/* glibc >= 2.35 publishes its registration; weak so older glibc still loads us. */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

int percpu_rseq_uses_glibc;
long percpu_rseq_glibc_offset;
uint32_t percpu_restart_limit = 64;
uint32_t percpu_force_abort;
__thread uint64_t percpu_tls_aborts __attribute__((tls_model("initial-exec")));

/* percpu's own area for threads that glibc did not register. */
static __thread struct percpu_rseq_area percpu_own_area __attribute__((tls_model("initial-exec"))) = {
    .cpu_id = PERCPU_CPU_ID_UNINITIALIZED,
};
/* 0: not tried yet, 1: registered, -1: the kernel refused. */
static __thread int percpu_own_state __attribute__((tls_model("initial-exec")));
/* Set by PERCPU_RSEQ=off: no thread registers. */
static int percpu_rseq_disabled;

__attribute__((constructor)) void percpu_rseq_init(void)
{
    const char *setting = getenv("PERCPU_RSEQ");
    if (setting != NULL && strcmp(setting, "off") == 0) {
        /* Every thread behaves as if rseq were unavailable: its calls get PERCPU_NO_RSEQ. */
        percpu_rseq_disabled = 1;
        return;
    }
    if (&__rseq_size != NULL && &__rseq_offset != NULL && __rseq_size > 0) {
        percpu_rseq_glibc_offset = (long) __rseq_offset;
        percpu_rseq_uses_glibc = 1;
    }
}

struct percpu_rseq_area *percpu_rseq_area_slow(void)
{
    if (percpu_own_state == 0) {
        percpu_own_state = -1;
        /* Stays negative unless the kernel accepts the area; it then writes the CPU before returning. */
        percpu_own_area.cpu_id = PERCPU_CPU_ID_REGISTRATION_FAILED;
#ifdef __NR_rseq
        /* A system call, so never from inside a section: this runs before the first one. */
        if (!percpu_rseq_disabled &&
            syscall(__NR_rseq, &percpu_own_area, sizeof percpu_own_area, 0, PERCPU_RSEQ_SIG) == 0) {
            percpu_own_state = 1;
        }
#endif
    }
    return &percpu_own_area;
}

int percpu_rseq_status(void)
{
    struct percpu_rseq_area *rs = percpu_rseq_area();
    if ((int32_t) __atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED) < 0) {
        return PERCPU_RSEQ_UNAVAILABLE;
    }
    return percpu_rseq_uses_glibc ? PERCPU_RSEQ_GLIBC : PERCPU_RSEQ_OWN;
}

int percpu_current_cpu(void)
{
    struct percpu_rseq_area *rs = percpu_rseq_area();
    int32_t cpu = (int32_t) __atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);
    return cpu >= 0 ? cpu : sched_getcpu();
}

int percpu_mm_cid(void)
{
#ifdef AT_RSEQ_FEATURE_SIZE
    if (getauxval(AT_RSEQ_FEATURE_SIZE) < offsetof(struct percpu_rseq_area, mm_cid) + sizeof(uint32_t))
        return -1;
    struct percpu_rseq_area *rs = percpu_rseq_area();
    if ((int32_t) __atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED) < 0)
        return -1;
    return (int) __atomic_load_n(&rs->mm_cid, __ATOMIC_RELAXED);
#else
    return -1;
#endif
}

uint64_t percpu_thread_aborts(void)
{
    return percpu_tls_aborts;
}

int percpu_possible_cpus(void)
{
    int highest = -1;
    FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
    if (f) {
        /* The format is a list of ranges such as "0-3,8-11" or "0". */
        int lo, hi;
        char sep;
        while (fscanf(f, "%d", &lo) == 1) {
            hi = lo;
            if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
                if (fscanf(f, "%d", &hi) != 1)
                    break;
                if (fscanf(f, "%c", &sep) != 1)
                    sep = '\n';
            }
            if (hi > highest)
                highest = hi;
            if (sep != ',')
                break;
        }
        fclose(f);
    }
    if (highest < 0) {
        long conf = sysconf(_SC_NPROCESSORS_CONF);
        return conf > 0 ? (int) conf : 1;
    }
    return highest + 1;
}

/* Saved on the heap, not in TLS: static TLS of a dlopen'ed library is scarce. */
static __thread cpu_set_t *percpu_saved_affinity;

int percpu_pin_current_thread(int cpu)
{
    if (cpu < 0) {
        cpu_set_t *saved = percpu_saved_affinity;
        if (saved == NULL)
            return 0;
        percpu_saved_affinity = NULL;
        int rc = sched_setaffinity(0, sizeof *saved, saved) == 0 ? 0 : -errno;
        free(saved);
        return rc;
    }
    if (cpu >= CPU_SETSIZE)
        return -EINVAL;
    if (percpu_saved_affinity == NULL) {
        cpu_set_t *saved = malloc(sizeof *saved);
        if (saved == NULL)
            return -ENOMEM;
        if (sched_getaffinity(0, sizeof *saved, saved) != 0) {
            free(saved);
            return -errno;
        }
        percpu_saved_affinity = saved;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one) == 0 ? 0 : -errno;
}
