/*
 * percpu_remote.c - remote access to per-CPU stacks; protocol in
 * percpu_remote.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "percpu_arch.h"
#include "percpu_layout.h"
#include "percpu_remote.h"
#include "percpu_rseq.h"

/*
 * The fence kind, 0 until decided. Decided without pthread_once (which would
 * make the library require glibc 2.34, see percpu_rseq.c): each caller that
 * finds 0 registers for the membarrier command itself, which the kernel
 * treats as idempotent (every caller gets the same answer), and publishes
 * the kind with a release store; a caller that loads a kind (acquire) sees
 * the registration done.
 */
static int percpu_fence_kind;
static uint64_t percpu_fence_count;
/* Affinity fences that found their CPU unable to run any thread of this process. */
static uint64_t percpu_fence_absent_count;
static int percpu_fence_forced_affinity;  /* test seam: percpu_remote_force_affinity_fence */

static int percpu_decide_fence(void)
{
    long rc = syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0);
    return rc == 0 ? PERCPU_FENCE_MEMBARRIER : PERCPU_FENCE_AFFINITY;
}

int percpu_remote_fence_kind(void)
{
    int kind = __atomic_load_n(&percpu_fence_kind, __ATOMIC_ACQUIRE);
    if (kind == 0) {
        kind = percpu_decide_fence();
        __atomic_store_n(&percpu_fence_kind, kind, __ATOMIC_RELEASE);
    }
    if (__atomic_load_n(&percpu_fence_forced_affinity, __ATOMIC_RELAXED))
        return PERCPU_FENCE_AFFINITY;
    return kind;
}

void percpu_remote_force_affinity_fence(int on)
{
    __atomic_store_n(&percpu_fence_forced_affinity, on != 0, __ATOMIC_RELAXED);
}

uint64_t percpu_remote_fences(void)
{
    return __atomic_load_n(&percpu_fence_count, __ATOMIC_RELAXED);
}

/* Tries before the affinity fence gives up waiting to be scheduled on its CPU. */
#define PERCPU_AFFINITY_TRIES 1000

/* Pins the caller to cpu alone: 0, or -errno (-EINVAL: no thread of this process can run on cpu). */
static int percpu_pin_to(uint32_t cpu, cpu_set_t *set, size_t size)
{
    CPU_ZERO_S(size, set);
    CPU_SET_S(cpu, size, set);
    return sched_setaffinity(0, size, set) == 0 ? 0 : -errno;
}

/*
 * The affinity fence (the protocol at the top of percpu_remote.h). Returns 0
 * once no section can be in flight on cpu, because either
 *   - the caller ran on cpu: whatever ran there before was preempted; or
 *   - cpu can run no thread of this process (offline, absent, or outside
 *     the cpuset: sched_setaffinity says EINVAL). A section indexes cpu only
 *     while running on it, so none is in flight there, and a thread that
 *     runs on cpu later (back online, cpuset widened) gets there through a
 *     context switch, after the caller's store of stopped.
 * Else -errno. The caller's affinity is restored on every path; should its
 * old mask have become unusable meanwhile, it gets every CPU its cpuset
 * allows.
 */
static int percpu_affinity_fence(uint32_t cpu)
{
    int possible = percpu_possible_cpus();
    size_t count = (size_t) (possible > (int) cpu ? possible : (int) cpu + 1);
    if (count < CPU_SETSIZE)
        count = CPU_SETSIZE;
    size_t size = CPU_ALLOC_SIZE(count);
    cpu_set_t *old = CPU_ALLOC(count);
    cpu_set_t *set = CPU_ALLOC(count);
    int rc = old != NULL && set != NULL ? 0 : -ENOMEM;
    if (rc == 0 && sched_getaffinity(0, size, old) != 0)
        rc = -errno;
    if (rc == 0) {
        rc = percpu_pin_to(cpu, set, size);
        for (int tries = 0; rc == 0 && sched_getcpu() != (int) cpu; tries++) {
            if (tries == PERCPU_AFFINITY_TRIES) {
                rc = -EAGAIN;
                break;
            }
            /* Not moved yet, or cpu went offline and the kernel moved us off: pin again and look. */
            sched_yield();
            rc = percpu_pin_to(cpu, set, size);
        }
        if (rc == -EINVAL) {
            __atomic_fetch_add(&percpu_fence_absent_count, 1, __ATOMIC_RELAXED);
            rc = 0;
        }
        if (sched_setaffinity(0, size, old) != 0) {
            for (size_t i = 0; i < count; i++)
                CPU_SET_S(i, size, set);
            sched_setaffinity(0, size, set);
        }
    }
    CPU_FREE(old);
    CPU_FREE(set);
    return rc;
}

/*
 * After it returns 0, no rseq section is in flight on cpu. A membarrier
 * error is not taken as success (Linux returns 0, not an error, for an
 * absent or offline CPU, where nothing runs): the affinity fence is tried
 * instead, and its error returned if it fails too.
 */
static int percpu_fence(uint32_t cpu)
{
    __atomic_fetch_add(&percpu_fence_count, 1, __ATOMIC_RELAXED);
    if (percpu_remote_fence_kind() == PERCPU_FENCE_MEMBARRIER &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, (int) cpu) == 0)
        return 0;
    return percpu_affinity_fence(cpu);
}

static void percpu_lock_blocking(struct percpu_cpu_header *hdr)
{
    for (uint32_t spin = 0;; spin++) {
        uint32_t expected = 0;
        if (__atomic_load_n(&hdr->lock, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(&hdr->lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        if (spin < 64)
            PERCPU_CPU_RELAX();
        else
            sched_yield();
    }
}

/*
 * rseq mode: become the stack's only user. 0, -ESHUTDOWN once the block is
 * closed (its stacks stay stopped for good), or -errno from the fence
 * (stopped is then cleared again).
 */
static int percpu_stop(void *block, struct percpu_cpu_header *hdr, uint32_t cpu)
{
    for (;;) {
        uint32_t expected = 0;
        if (__atomic_compare_exchange_n(&hdr->stopped, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            break;
        if (__atomic_load_n(&((struct percpu_block_header *) block)->magic, __ATOMIC_ACQUIRE) != PERCPU_BLOCK_MAGIC)
            return -ESHUTDOWN;
        sched_yield();
    }
    int rc = percpu_fence(cpu);
    if (rc != 0)
        __atomic_store_n(&hdr->stopped, 0, __ATOMIC_RELEASE);
    return rc;
}

static uint32_t percpu_take_locked(struct percpu_cpu_header *hdr, uint32_t *out, uint32_t max)
{
    uint32_t top = __atomic_load_n(&hdr->top, __ATOMIC_RELAXED);
    uint32_t k = max < top ? max : top;
    const uint32_t *slots = (const uint32_t *) (uintptr_t) hdr->slots;
    for (uint32_t i = 0; i < k; i++)
        out[i] = slots[top - k + i];
    __atomic_store_n(&hdr->top, top - k, __ATOMIC_RELAXED);
    return k;
}

int percpu_remote_take(void *block, uint32_t cpu, uint32_t *out, uint32_t max, int fallback)
{
    if (__atomic_load_n(&((struct percpu_block_header *) block)->magic, __ATOMIC_ACQUIRE) != PERCPU_BLOCK_MAGIC)
        return -ESHUTDOWN;
    if (cpu >= percpu_block_ncpu(block))
        return -EINVAL;
    struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu);
    /* A racy look first: an empty stack is not worth a fence (stealing is a snapshot anyway). */
    if (__atomic_load_n(&hdr->top, __ATOMIC_RELAXED) == 0)
        return 0;
    if (fallback) {
        percpu_lock_blocking(hdr);
        uint32_t k = __atomic_load_n(&hdr->stopped, __ATOMIC_RELAXED) ? 0 : percpu_take_locked(hdr, out, max);
        __atomic_store_n(&hdr->lock, 0, __ATOMIC_RELEASE);
        return (int) k;
    }
    int rc = percpu_stop(block, hdr, cpu);
    if (rc != 0)
        return rc;
    uint32_t k = percpu_take_locked(hdr, out, max);
    __atomic_store_n(&hdr->stopped, 0, __ATOMIC_RELEASE);
    return (int) k;
}

/* Runs op on cpu's stack as its only user (lock or stop + fence). Returns op's result or -errno. */
static int percpu_remote_exclusive(void *block, uint32_t cpu, int fallback,
                                   int (*op)(struct percpu_cpu_header *, void *), void *arg)
{
    if (__atomic_load_n(&((struct percpu_block_header *) block)->magic, __ATOMIC_ACQUIRE) != PERCPU_BLOCK_MAGIC)
        return -ESHUTDOWN;
    if (cpu >= percpu_block_ncpu(block))
        return -EINVAL;
    struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu);
    if (fallback) {
        percpu_lock_blocking(hdr);
        int r = __atomic_load_n(&hdr->stopped, __ATOMIC_RELAXED) ? -ESHUTDOWN : op(hdr, arg);
        __atomic_store_n(&hdr->lock, 0, __ATOMIC_RELEASE);
        return r;
    }
    int rc = percpu_stop(block, hdr, cpu);
    if (rc != 0)
        return rc;
    int r = op(hdr, arg);
    __atomic_store_n(&hdr->stopped, 0, __ATOMIC_RELEASE);
    return r;
}

struct percpu_put_args {
    const uint32_t *in;
    uint32_t n;
};

static int percpu_put_locked(struct percpu_cpu_header *hdr, void *arg)
{
    struct percpu_put_args *a = arg;
    uint32_t top = __atomic_load_n(&hdr->top, __ATOMIC_RELAXED);
    uint32_t room = hdr->capacity > top ? hdr->capacity - top : 0;
    uint32_t k = a->n < room ? a->n : room;
    uint32_t *slots = (uint32_t *) (uintptr_t) hdr->slots;
    for (uint32_t i = 0; i < k; i++)
        slots[top + i] = a->in[i];
    __atomic_store_n(&hdr->top, top + k, __ATOMIC_RELAXED);
    return (int) k;
}

int percpu_remote_put(void *block, uint32_t cpu, const uint32_t *in, uint32_t n, int fallback)
{
    struct percpu_put_args args = {in, n};
    return percpu_remote_exclusive(block, cpu, fallback, percpu_put_locked, &args);
}

struct percpu_capacity_args {
    uint32_t capacity;
    uint32_t *out;
    uint32_t max;
};

static int percpu_set_capacity_locked(struct percpu_cpu_header *hdr, void *arg)
{
    struct percpu_capacity_args *a = arg;
    uint32_t top = __atomic_load_n(&hdr->top, __ATOMIC_RELAXED);
    uint32_t excess = top > a->capacity ? top - a->capacity : 0;
    if (excess > a->max)
        return -ENOSPC;
    const uint32_t *slots = (const uint32_t *) (uintptr_t) hdr->slots;
    for (uint32_t i = 0; i < excess; i++)
        a->out[i] = slots[a->capacity + i];
    __atomic_store_n(&hdr->top, top - excess, __ATOMIC_RELAXED);
    __atomic_store_n(&hdr->capacity, a->capacity, __ATOMIC_RELAXED);
    return (int) excess;
}

int percpu_remote_set_capacity(void *block, uint32_t cpu, uint32_t capacity, uint32_t *out, uint32_t max,
                               int fallback)
{
    if (capacity == 0 || capacity > ((struct percpu_block_header *) block)->stride)
        return -EINVAL;
    struct percpu_capacity_args args = {capacity, out, max};
    return percpu_remote_exclusive(block, cpu, fallback, percpu_set_capacity_locked, &args);
}

int percpu_block_close(void *block, int fallback)
{
    uint32_t ncpu = percpu_block_ncpu(block);
    int result = 0;
    uint32_t open = PERCPU_BLOCK_MAGIC;
    if (!__atomic_compare_exchange_n(&((struct percpu_block_header *) block)->magic, &open, PERCPU_BLOCK_CLOSED_MAGIC,
                                     0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return -ESHUTDOWN;
    for (uint32_t cpu = 0; cpu < ncpu; cpu++) {
        struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu);
        if (fallback) {
            percpu_lock_blocking(hdr);
            __atomic_store_n(&hdr->stopped, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&hdr->lock, 0, __ATOMIC_RELEASE);
        } else {
            /* Wait out a remote take in progress (it clears stopped), then stop for good. */
            uint32_t expected = 0;
            while (!__atomic_compare_exchange_n(&hdr->stopped, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
                expected = 0;
                sched_yield();
            }
            int rc = percpu_fence(cpu);
            if (rc != 0) {
                /* Could not fence: leave stopped set; sections on cpu bail out from their next start. */
                __atomic_store_n(&hdr->stopped, 1, __ATOMIC_SEQ_CST);
                result = rc;
            }
        }
    }
    /* Give the slot arrays back; keep the headers (the first pages) mapped. */
    long page = sysconf(_SC_PAGESIZE);
    uint64_t headers = PERCPU_LINE * (1 + (uint64_t) ncpu);
    uint64_t keep = (headers + (uint64_t) page - 1) & ~((uint64_t) page - 1);
    uint64_t size = ((struct percpu_block_header *) block)->mapping_size;
    if (size > keep && result == 0)
        munmap((uint8_t *) block + keep, size - keep);
    return result;
}
