/*
 * percpu_rseq.c - per-thread rseq registration and process-wide settings.
 * See percpu_rseq.h for the registration policy.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "percpu_arch.h"
#include "percpu_rseq.h"

/* The kernel's auxiliary-vector types (linux/auxvec.h) where older headers lack them; getauxval gives 0. */
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif
#ifndef AT_RSEQ_ALIGN
#define AT_RSEQ_ALIGN 28
#endif

/*
 * glibc >= 2.35 publishes its registration in __rseq_offset and __rseq_size,
 * symbols of version GLIBC_2.35. A reference to them, even a weak one, would
 * make every older glibc refuse to load the library ("version GLIBC_2.35 not
 * found"), so they are looked up at load time with dlsym instead, and a glibc
 * without them gets percpu's own registration. dlsym itself moved from libdl
 * into libc in glibc 2.34, where it got the version GLIBC_2.34: the reference
 * is bound to the architecture's oldest version of dlsym, which glibc 2.34+
 * keeps in libc and older glibc has in libdl (the library links -ldl). The
 * build checks that nothing newer than GLIBC_2.17 is required
 * (scripts/native/glibc_versions_check.py). PERCPU_STATIC_IMAGE is defined
 * only for the static image of the rseq sections check, where there are no
 * symbol versions.
 */
#if !defined(PERCPU_STATIC_IMAGE)
#if defined(__x86_64__)
__asm__(".symver dlsym, dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym, dlsym@GLIBC_2.17");
#endif
#endif

int percpu_rseq_uses_glibc;
long percpu_rseq_glibc_offset;
/* glibc's __rseq_size where glibc registered (percpu_rseq_uses_glibc), else 0. */
static unsigned int percpu_rseq_glibc_size;
uint32_t percpu_restart_limit = 64;
uint32_t percpu_force_abort;
__thread uint64_t percpu_tls_aborts __attribute__((tls_model("initial-exec")));

/*
 * percpu's own area for threads that glibc did not register: reserved for
 * any ABI with a feature size up to PERCPU_RSEQ_OWN_RESERVE bytes and an
 * alignment up to PERCPU_RSEQ_OWN_ALIGN (Linux 7.0 asks for 33 and 64).
 * Only cpu_id is written by percpu (before registering); the kernel owns
 * every other field but rseq_cs, which the sections arm and clear.
 */
static __thread union {
    struct percpu_rseq_area area;
    unsigned char bytes[PERCPU_RSEQ_OWN_RESERVE];
} percpu_own __attribute__((tls_model("initial-exec"), aligned(PERCPU_RSEQ_OWN_ALIGN)));
_Static_assert(sizeof percpu_own == PERCPU_RSEQ_OWN_RESERVE, "the reserve is the whole own area");
/* 0: not tried yet, 1: registered, -1: the kernel refused or the ABI asked for more than the reserve. */
static __thread int percpu_own_state __attribute__((tls_model("initial-exec")));
/* Set by PERCPU_RSEQ=off: no thread registers. */
static int percpu_rseq_disabled;
/* Test seam (percpu_rseq_abi_override): auxiliary vector values to use instead of getauxval's, 0 = real. */
static unsigned long percpu_auxv_feature_size;
static unsigned long percpu_auxv_align;

__attribute__((constructor)) void percpu_rseq_init(void)
{
    const char *setting = getenv("PERCPU_RSEQ");
    if (setting != NULL && strcmp(setting, "off") == 0) {
        /* Every thread behaves as if rseq were unavailable: its calls get PERCPU_NO_RSEQ. */
        percpu_rseq_disabled = 1;
        return;
    }
    const unsigned int *size = dlsym(RTLD_DEFAULT, "__rseq_size");
    const ptrdiff_t *offset = dlsym(RTLD_DEFAULT, "__rseq_offset");
    if (size != NULL && offset != NULL && *size > 0) {
        percpu_rseq_glibc_size = *size;
        percpu_rseq_glibc_offset = (long) *offset;
        percpu_rseq_uses_glibc = 1;
    }
}

void percpu_rseq_abi_override(unsigned long feature_size, unsigned long align)
{
    percpu_auxv_feature_size = feature_size;
    percpu_auxv_align = align;
}

/* The auxiliary vector's value of type, or the seam's override when one is set. */
static unsigned long percpu_auxv(unsigned long type, unsigned long override)
{
    return override != 0 ? override : getauxval(type);
}

unsigned long percpu_rseq_feature_size(void)
{
    unsigned long size = percpu_auxv(AT_RSEQ_FEATURE_SIZE, percpu_auxv_feature_size);
    return size != 0 ? size : PERCPU_RSEQ_ORIGINAL_FEATURE_SIZE;
}

unsigned long percpu_rseq_registration_length(void)
{
    unsigned long size = percpu_rseq_feature_size();
    return size > PERCPU_RSEQ_MIN_LENGTH ? size : PERCPU_RSEQ_MIN_LENGTH;
}

unsigned long percpu_rseq_registration_align(void)
{
    unsigned long align = percpu_auxv(AT_RSEQ_ALIGN, percpu_auxv_align);
    return align > PERCPU_RSEQ_MIN_LENGTH ? align : PERCPU_RSEQ_MIN_LENGTH;
}

unsigned long percpu_rseq_usable_bytes(unsigned long registered_length, unsigned long feature_size)
{
    /* glibc 2.35 - 2.39 publish 32 and glibc 2.40 publishes 20 for a 32-byte registration. */
    if (registered_length == 20 || registered_length == 32)
        registered_length = 32;
    return registered_length < feature_size ? registered_length : feature_size;
}

struct percpu_rseq_area *percpu_rseq_area_slow(void)
{
    if (percpu_own_state == 0) {
        percpu_own_state = -1;
        /* Stays negative unless the kernel accepts the area; it then writes the CPU before returning. */
        percpu_own.area.cpu_id = PERCPU_CPU_ID_REGISTRATION_FAILED;
        unsigned long length = percpu_rseq_registration_length();
        unsigned long align = percpu_rseq_registration_align();
#ifdef __NR_rseq
        /* A system call, so never from inside a section: this runs before the first one. */
        if (!percpu_rseq_disabled && length <= PERCPU_RSEQ_OWN_RESERVE && align <= PERCPU_RSEQ_OWN_ALIGN &&
            syscall(__NR_rseq, &percpu_own.area, length, 0, PERCPU_RSEQ_SIG) == 0) {
            percpu_own_state = 1;
        }
#endif
    }
    return &percpu_own.area;
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
    unsigned long registered = percpu_rseq_uses_glibc ? percpu_rseq_glibc_size : percpu_rseq_registration_length();
    if (percpu_rseq_usable_bytes(registered, percpu_rseq_feature_size()) <
        offsetof(struct percpu_rseq_area, mm_cid) + sizeof(uint32_t))
        return -1;
    struct percpu_rseq_area *rs = percpu_rseq_area();
    if ((int32_t) __atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED) < 0)
        return -1;
    return (int) __atomic_load_n(&rs->mm_cid, __ATOMIC_RELAXED);
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
