/*
 * percpu_stack_ops.h - push, pop, push_batch and pop_batch on the per-CPU
 * index stacks of a block (layout in percpu_layout.h): the retry loops
 * around the sections and the fallback mode. The sections themselves are
 * told once in percpu_sections.h, their instructions per architecture
 * (percpu_arch.h).
 *
 * Two drivers share the layout:
 *
 * rseq mode (percpu_pop, percpu_push, ...): each operation is one rseq
 * critical section. The thread reads its cpu_id, arms rseq_cs with the
 * section's descriptor, re-checks cpu_id inside the section, checks the
 * stopped word, does its reads and speculative writes, and ends with ONE
 * committing store of top. If the kernel preempts, migrates or signals the
 * thread while its instruction pointer is in [start_ip, post_commit), it
 * resumes the thread at abort_ip instead, which jumps back to the C retry
 * loop. Nothing before the commit is visible to other users of the stack:
 * entries written above top are not part of the stack until top moves, and
 * the copy out of a pop is into caller-private memory.
 *
 * Memory ordering, the stopped word and what remote threads do: the
 * local/remote protocol, told once at the top of percpu_remote.h.
 *
 * Fallback mode (percpu_fb_pop, ...): the same stacks guarded by the
 * per-CPU lock word (acquire CAS, release store), for threads and pools
 * that cannot use rseq. The stripe comes from percpu_fb_cpu() (per
 * architecture); a lock that stays taken for PERCPU_FB_SPINS attempts gives
 * PERCPU_BUSY.
 *
 * The bindings (percpu_jni.c, percpu_ffm.c) call the local operations with
 * the block's mode as an argument (percpu_local_pop, ...: fallback != 0
 * selects the fallback form), as they call the address batches
 * (percpu_address_batch.h) and the remote operations (percpu_remote.h).
 *
 * Include after defining _GNU_SOURCE (for sched_getcpu).
 *
 * Test build (PERCPU_INJECT defined): see percpu_arch.h.
 */
#ifndef PERCPU_STACK_OPS_H
#define PERCPU_STACK_OPS_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "percpu_sections.h"

#define PERCPU_FB_SPINS 256

/*
 * The exit of a retry loop whose cpu_id is unusable: negative (no working
 * registration: PERCPU_NO_RSEQ) or beyond the block or rows (PERCPU_BAD_CPU;
 * the one unsigned compare cpu >= ncpu catches both). A section that aborted
 * itself (its CPU check failed, or the test hook) jumped to its abort handler
 * without the kernel, so rseq_cs may still be armed here: disarm it.
 */
static inline __attribute__((cold)) int percpu_cs_disarm_cpu_error(struct percpu_rseq_area *rs, uint32_t cpu)
{
    __atomic_store_n(&rs->rseq_cs, 0, __ATOMIC_RELAXED);
    return (int32_t) cpu < 0 ? PERCPU_NO_RSEQ : PERCPU_BAD_CPU;
}

/*
 * The retry loop around a section, shared by the stacks and the primitives.
 * Each round reads cpu_id (NO_RSEQ / BAD_CPU when it is unusable), runs
 * ENTER (declarations that need cpu), then OP, one of the percpu_cs_* calls
 * with its arguments (it sees rs and cpu), which gives a PERCPU_CS_*
 * outcome. RESULT is returned once the section committed, OTHER for any
 * other outcome but an abort (it sees cs). After an abort, ON_ABORT counts
 * it, and after percpu_restart_limit aborts in a row the loop gives up with
 * PERCPU_RESTART_LIMIT. Every exit disarms rseq_cs (the cpu_id errors in
 * percpu_cs_disarm_cpu_error), so no descriptor of this library stays
 * referenced by the kernel once the call returns.
 */
#define PERCPU_CS_RETRY(NCPU, ENTER, OP, RESULT, OTHER, ON_ABORT)                     \
    do {                                                                              \
        struct percpu_rseq_area *rs = percpu_rseq_area();                             \
        uint32_t retry_ncpu = (NCPU);                                                 \
        uint32_t aborts = 0;                                                          \
        for (;;) {                                                                    \
            uint32_t cpu = __atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);            \
            if (__builtin_expect(cpu >= retry_ncpu, 0))                               \
                return percpu_cs_disarm_cpu_error(rs, cpu);                           \
            ENTER;                                                                    \
            PERCPU_INJECT_RESET();                                                    \
            int cs = (OP);                                                            \
            if (__builtin_expect(cs != PERCPU_CS_ABORTED, 1)) {                       \
                __atomic_store_n(&rs->rseq_cs, 0, __ATOMIC_RELAXED);                  \
                if (cs == PERCPU_CS_COMMITTED)                                        \
                    return (RESULT);                                                  \
                return (OTHER);                                                       \
            }                                                                         \
            ON_ABORT;                                                                 \
            if (++aborts >= percpu_restart_limit) {                                   \
                __atomic_store_n(&rs->rseq_cs, 0, __ATOMIC_RELAXED);                  \
                return PERCPU_RESTART_LIMIT;                                          \
            }                                                                         \
        }                                                                             \
    } while (0)

/*
 * The retry loop of a stack section: OP also sees hdr, the header of the
 * CPU it runs on. EMPTY_OR_FULL is what an empty (pop) or full (push) stack
 * returns; KIND, the PERCPU_KIND_* of OP, is what the test build counts
 * its aborts under.
 */
#define PERCPU_RSEQ_RETRY(block, KIND, OP, RESULT, EMPTY_OR_FULL)                     \
    PERCPU_CS_RETRY(percpu_block_ncpu(block),                                         \
                    struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu),    \
                    OP, RESULT, cs == PERCPU_CS_STOPPED ? PERCPU_STOPPED : (EMPTY_OR_FULL), \
                    percpu_count_abort(hdr, KIND))

/* Abort path only: the exact per-thread count (and, in the test build, the count per kind and point). */
static inline void percpu_count_thread_abort(enum percpu_cs_kind kind)
{
    (void) kind;
    percpu_tls_aborts++;
    PERCPU_INJECT_COUNT_ABORT(kind);
}

/* Abort path of a stack section: the exact per-thread count and the approximate per-CPU count. */
static inline void percpu_count_abort(struct percpu_cpu_header *hdr, enum percpu_cs_kind kind)
{
    percpu_count_thread_abort(kind);
    __atomic_store_n(&hdr->aborts, __atomic_load_n(&hdr->aborts, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* rseq mode. Returns the popped index (>= 0), PERCPU_EMPTY or an error code. */
static inline int percpu_pop(void *block)
{
    uint32_t index;
    PERCPU_RSEQ_RETRY(block, PERCPU_KIND_POP, percpu_cs_pop(rs, hdr, cpu, &index), (int) index, PERCPU_EMPTY);
}

/* rseq mode. Returns PERCPU_OK, PERCPU_FULL or an error code. */
static inline int percpu_push(void *block, uint32_t index)
{
    PERCPU_RSEQ_RETRY(block, PERCPU_KIND_PUSH, percpu_cs_push(rs, hdr, cpu, index), PERCPU_OK, PERCPU_FULL);
}

/* rseq mode. Returns how many were popped (0 when empty) or an error code. */
static inline int percpu_pop_batch(void *block, uint32_t *out, uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t count;
    PERCPU_RSEQ_RETRY(block, PERCPU_KIND_POP_BATCH, percpu_cs_pop_batch(rs, hdr, cpu, out, n, &count), (int) count, 0);
}

/* rseq mode. Returns how many were pushed (0 when full) or an error code. */
static inline int percpu_push_batch(void *block, const uint32_t *in, uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t count;
    PERCPU_RSEQ_RETRY(block, PERCPU_KIND_PUSH_BATCH, percpu_cs_push_batch(rs, hdr, cpu, in, n, &count), (int) count, 0);
}

/* Fallback mode: the CPU's stack under its try-lock. */
static inline struct percpu_cpu_header *percpu_fb_lock(void *block)
{
    int cpu = percpu_fb_cpu();
    uint32_t ncpu = percpu_block_ncpu(block);
    struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu < 0 ? 0 : (uint32_t) cpu % ncpu);
    for (int spin = 0; spin < PERCPU_FB_SPINS; spin++) {
        uint32_t expected = 0;
        if (__atomic_load_n(&hdr->lock, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(&hdr->lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            return hdr;
        }
        PERCPU_CPU_RELAX();
    }
    return 0;
}

static inline void percpu_fb_unlock(struct percpu_cpu_header *hdr)
{
    __atomic_store_n(&hdr->lock, 0, __ATOMIC_RELEASE);
}

/*
 * Fallback pops/pushes up to n entries (n >= 1; single ops use n = 1).
 * Returns the count moved, or PERCPU_BUSY / PERCPU_STOPPED.
 */
static inline int percpu_fb_pop_batch(void *block, uint32_t *out, uint32_t n)
{
    struct percpu_cpu_header *hdr = percpu_fb_lock(block);
    if (!hdr)
        return PERCPU_BUSY;
    if (__atomic_load_n(&hdr->stopped, __ATOMIC_ACQUIRE)) {
        percpu_fb_unlock(hdr);
        return PERCPU_STOPPED;
    }
    uint32_t top = hdr->top;
    uint32_t k = n < top ? n : top;
    const uint32_t *slots = (const uint32_t *) (uintptr_t) hdr->slots;
    for (uint32_t i = 0; i < k; i++)
        out[i] = slots[top - k + i];
    hdr->top = top - k;
    hdr->pops += k;
    percpu_fb_unlock(hdr);
    return (int) k;
}

static inline int percpu_fb_push_batch(void *block, const uint32_t *in, uint32_t n)
{
    struct percpu_cpu_header *hdr = percpu_fb_lock(block);
    if (!hdr)
        return PERCPU_BUSY;
    if (__atomic_load_n(&hdr->stopped, __ATOMIC_ACQUIRE)) {
        percpu_fb_unlock(hdr);
        return PERCPU_STOPPED;
    }
    uint32_t top = hdr->top;
    uint32_t room = hdr->capacity > top ? hdr->capacity - top : 0;
    uint32_t k = n < room ? n : room;
    uint32_t *slots = (uint32_t *) (uintptr_t) hdr->slots;
    for (uint32_t i = 0; i < k; i++)
        slots[top + i] = in[i];
    hdr->top = top + k;
    hdr->pushes += k;
    percpu_fb_unlock(hdr);
    return (int) k;
}

static inline int percpu_fb_pop(void *block)
{
    uint32_t index;
    int r = percpu_fb_pop_batch(block, &index, 1);
    return r == 1 ? (int) index : r == 0 ? PERCPU_EMPTY : r;
}

static inline int percpu_fb_push(void *block, uint32_t index)
{
    int r = percpu_fb_push_batch(block, &index, 1);
    return r == 1 ? PERCPU_OK : r == 0 ? PERCPU_FULL : r;
}

/*
 * The local operations with the mode as an argument: fallback != 0 runs the
 * fallback form, else the rseq form (the expected one: a block's mode is
 * fixed at creation, and rseq is the mode of every thread that has it).
 */
static inline int percpu_local_pop(void *block, int fallback)
{
    return __builtin_expect(fallback, 0) ? percpu_fb_pop(block) : percpu_pop(block);
}

static inline int percpu_local_push(void *block, int fallback, uint32_t index)
{
    return __builtin_expect(fallback, 0) ? percpu_fb_push(block, index) : percpu_push(block, index);
}

static inline int percpu_local_pop_batch(void *block, int fallback, uint32_t *out, uint32_t n)
{
    return __builtin_expect(fallback, 0) ? percpu_fb_pop_batch(block, out, n) : percpu_pop_batch(block, out, n);
}

static inline int percpu_local_push_batch(void *block, int fallback, const uint32_t *in, uint32_t n)
{
    return __builtin_expect(fallback, 0) ? percpu_fb_push_batch(block, in, n) : percpu_push_batch(block, in, n);
}

#endif
