/*
 * percpu_primitives.h - per-CPU operations for research users, and the
 * event-count commit proposed in the 2016 rseq review (see docs/rseq.md).
 *
 * Data: "rows", one per possible CPU, row_bytes apart (a multiple of 128),
 * starting at base. The word an operation acts on is at
 * base + cpu * row_bytes + offset, for the CPU the calling thread runs on.
 * Java (dev.percpu.primitives) checks offsets and lengths before calling.
 *
 * Each operation is one rseq section with the protocol of percpu_stack_ops.h
 * (arm, check cpu_id inside, one committing store, abort handler after the
 * signature, bounded restarts). Result codes, fixed:
 *
 *   >= 0 / PERCPU_OP_OK        committed (add returns the CPU it used, begin a ticket)
 *   PERCPU_OP_COMPARE_FAILED   1   the compared word did not hold the expected value
 *   PERCPU_OP_NOT_ON_CPU      -1   event-count commit: the thread is not on the ticket's CPU
 *   PERCPU_NO_RSEQ            -3   no registration (see percpu_rseq.h)
 *   PERCPU_RESTART_LIMIT      -4   aborted restart_limit times in a row
 *   PERCPU_BUSY               -6   fallback: the stripe's lock stayed taken
 *
 * Ordering: like the stacks, each CPU's rows are only written by sections
 * running on that CPU, which the CPU serialises; no fence is used. A reader
 * on another CPU (a counter sum) sees each word torn-free (aligned 8-byte
 * accesses) but without any cross-word consistency.
 *
 * Fallback mode (the *_fb variants): the same rows guarded by a per-row
 * lock word at locks + cpu * 128 (acquire CAS, release store), with the row
 * chosen by percpu_fb_cpu() (per architecture, percpu_arch.h). For the
 * event count the ticket's row is locked, so "still on the ticket's CPU" is
 * not checked: a commit succeeds if and only if no begin() touched that
 * row's counter since the ticket's begin().
 */
#ifndef PERCPU_PRIMITIVES_H
#define PERCPU_PRIMITIVES_H

#include <string.h>

#include "percpu_stack_ops.h"

#define PERCPU_OP_OK 0
#define PERCPU_OP_COMPARE_FAILED 1
#define PERCPU_OP_NOT_ON_CPU (-1)

/* Longest copy of percpu_op_cmp_copy (and its fallback form). */
#define PERCPU_OP_MAX_COPY 4096u

static inline uint64_t *percpu_row_word(void *base, uint64_t row_bytes, uint32_t cpu, uint32_t offset)
{
    return (uint64_t *) ((uint8_t *) base + row_bytes * cpu + offset);
}

/*
 * The sections (percpu_cs_add, percpu_cs_cmp_store2, percpu_cs_cmp_copy,
 * percpu_cs_ec_begin, percpu_cs_ec_commit; pseudo-code in
 * percpu_sections.h, instructions per architecture) mean:
 *   add         *word += delta
 *   cmp_store2  if (*word == expect) { *word2 = value2; *word = newv; }
 *               The "try store" to word2 becomes visible before the commit
 *               and is redone if the section restarts: word2 must only hold
 *               data that readers consult after they see the committed *word.
 *   cmp_copy    if (*word == expect) { memcpy(dst, src, len); *word = newv; }
 *               Like the try store, the copy is visible before the commit
 *               and redone on restart; len may be 0 (then this is a plain
 *               compare-and-store).
 *   ec_begin    *counter = (*counter + 1) mod 2^48, the new value to *seq_out.
 *   ec_commit   fail unless the thread runs on cpu (NOT_ON_CPU, no restart:
 *               the thread left that CPU) and *counter == seq
 *               (COMPARE_FAILED: someone began on that CPU since); otherwise
 *               *target = value.
 */

/*
 * The retry loop of the primitives (PERCPU_CS_RETRY, percpu_stack_ops.h),
 * with no stack header to count aborts in: only the per-thread count (and
 * the test build's count per KIND, a PERCPU_KIND_*).
 */
#define PERCPU_OP_RETRY(ncpu, KIND, OP, RESULT)                                   \
    PERCPU_CS_RETRY((uint32_t) (ncpu), (void) 0, OP, RESULT,                      \
                    cs == PERCPU_CS_COMPARE_FAILED ? PERCPU_OP_COMPARE_FAILED     \
                                                   : PERCPU_OP_NOT_ON_CPU,        \
                    percpu_count_thread_abort(KIND))

/* rseq: current CPU's row word(offset) += delta. Returns the CPU used (>= 0) or an error code. */
static inline int percpu_op_add(void *base, uint64_t row_bytes, uint32_t ncpu, uint32_t offset, int64_t delta)
{
    PERCPU_OP_RETRY(ncpu, PERCPU_KIND_ADD, percpu_cs_add(rs, cpu, percpu_row_word(base, row_bytes, cpu, offset), delta),
                    (int) cpu);
}

/* rseq: on the current CPU's row, if word(offset) == expect: word(offset2) = value2, then word(offset) = newv. */
static inline int percpu_op_cmp_store2(void *base, uint64_t row_bytes, uint32_t ncpu, uint32_t offset,
                                       uint64_t expect, uint64_t newv, uint32_t offset2, uint64_t value2)
{
    PERCPU_OP_RETRY(ncpu, PERCPU_KIND_CMP_STORE2,
                    percpu_cs_cmp_store2(rs, cpu, percpu_row_word(base, row_bytes, cpu, offset), expect, newv,
                                         percpu_row_word(base, row_bytes, cpu, offset2), value2),
                    PERCPU_OP_OK);
}

/* rseq: on the current CPU's row, if word(offset) == expect: copy len bytes to copy_offset, then commit newv. */
static inline int percpu_op_cmp_copy(void *base, uint64_t row_bytes, uint32_t ncpu, uint32_t offset,
                                     uint64_t expect, uint64_t newv, uint32_t copy_offset, const uint8_t *src,
                                     uint32_t len)
{
    PERCPU_OP_RETRY(ncpu, PERCPU_KIND_CMP_COPY,
                    percpu_cs_cmp_copy(rs, cpu, percpu_row_word(base, row_bytes, cpu, offset), expect, newv,
                                       (uint8_t *) percpu_row_word(base, row_bytes, cpu, copy_offset), src, len),
                    PERCPU_OP_OK);
}

/* rseq: begin on the current CPU. Returns a ticket (cpu << 48 | seq) >= 0, or an error code. */
static inline int64_t percpu_ec_begin(void *counters, uint64_t row_bytes, uint32_t ncpu)
{
    uint64_t seq;
    PERCPU_OP_RETRY(ncpu, PERCPU_KIND_EC_BEGIN,
                    percpu_cs_ec_begin(rs, cpu, percpu_row_word(counters, row_bytes, cpu, 0), &seq),
                    (int64_t) (((uint64_t) cpu << PERCPU_EC_SEQ_BITS) | seq));
}

/* rseq: store value to target if still on the ticket's CPU and its counter is unchanged. */
static inline int percpu_ec_commit(void *counters, uint64_t row_bytes, uint32_t ncpu, int64_t ticket,
                                   uint64_t *target, uint64_t value)
{
    uint32_t ticket_cpu = (uint32_t) ((uint64_t) ticket >> PERCPU_EC_SEQ_BITS);
    uint64_t seq = (uint64_t) ticket & PERCPU_EC_SEQ_MASK;
    if (ticket_cpu >= ncpu)
        return PERCPU_OP_NOT_ON_CPU;
    uint64_t *counter = percpu_row_word(counters, row_bytes, ticket_cpu, 0);
    PERCPU_OP_RETRY(ncpu, PERCPU_KIND_EC_COMMIT, percpu_cs_ec_commit(rs, ticket_cpu, counter, seq, target, value),
                    PERCPU_OP_OK);
}

/* Fallback: lock the row of stripe cpu (bounded spin). */
static inline int percpu_fb_row_lock(void *locks, uint32_t cpu)
{
    uint32_t *lock = (uint32_t *) ((uint8_t *) locks + PERCPU_LINE * cpu);
    for (int spin = 0; spin < PERCPU_FB_SPINS; spin++) {
        uint32_t expected = 0;
        if (__atomic_load_n(lock, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return 1;
        PERCPU_CPU_RELAX();
    }
    return 0;
}

static inline void percpu_fb_row_unlock(void *locks, uint32_t cpu)
{
    __atomic_store_n((uint32_t *) ((uint8_t *) locks + PERCPU_LINE * cpu), 0, __ATOMIC_RELEASE);
}

static inline uint32_t percpu_fb_stripe(uint32_t ncpu)
{
    int cpu = percpu_fb_cpu();
    return cpu < 0 ? 0 : (uint32_t) cpu % ncpu;
}


static inline int percpu_op_add_fb(void *base, uint64_t row_bytes, uint32_t ncpu, void *locks, uint32_t offset,
                                   int64_t delta)
{
    uint32_t cpu = percpu_fb_stripe(ncpu);
    if (!percpu_fb_row_lock(locks, cpu))
        return PERCPU_BUSY;
    uint64_t *word = percpu_row_word(base, row_bytes, cpu, offset);
    __atomic_store_n(word, *word + (uint64_t) delta, __ATOMIC_RELAXED);
    percpu_fb_row_unlock(locks, cpu);
    return (int) cpu;
}

/* Fallback compare-then-(store2 | copy)-then-store; has2 selects the store, else the copy. */
static inline int percpu_op_cmp_fb(void *base, uint64_t row_bytes, uint32_t ncpu, void *locks, uint32_t offset,
                                   uint64_t expect, uint64_t newv, int has2, uint32_t offset2, uint64_t value2,
                                   uint32_t copy_offset, const uint8_t *src, uint32_t len)
{
    uint32_t cpu = percpu_fb_stripe(ncpu);
    if (!percpu_fb_row_lock(locks, cpu))
        return PERCPU_BUSY;
    uint64_t *word = percpu_row_word(base, row_bytes, cpu, offset);
    int r = PERCPU_OP_COMPARE_FAILED;
    if (*word == expect) {
        if (has2)
            *percpu_row_word(base, row_bytes, cpu, offset2) = value2;
        else
            memcpy(percpu_row_word(base, row_bytes, cpu, copy_offset), src, len);
        /* Release, as the rseq commit (stlr on arm64): word2 or the copy hold for a reader that sees newv. */
        __atomic_store_n(word, newv, __ATOMIC_RELEASE);
        r = PERCPU_OP_OK;
    }
    percpu_fb_row_unlock(locks, cpu);
    return r;
}

static inline int64_t percpu_ec_begin_fb(void *counters, uint64_t row_bytes, uint32_t ncpu, void *locks)
{
    uint32_t cpu = percpu_fb_stripe(ncpu);
    if (!percpu_fb_row_lock(locks, cpu))
        return PERCPU_BUSY;
    uint64_t *counter = percpu_row_word(counters, row_bytes, cpu, 0);
    uint64_t seq = (*counter + 1) & PERCPU_EC_SEQ_MASK;
    __atomic_store_n(counter, seq, __ATOMIC_RELAXED);
    percpu_fb_row_unlock(locks, cpu);
    return (int64_t) (((uint64_t) cpu << PERCPU_EC_SEQ_BITS) | seq);
}

static inline int percpu_ec_commit_fb(void *counters, uint64_t row_bytes, uint32_t ncpu, void *locks,
                                      int64_t ticket, uint64_t *target, uint64_t value)
{
    uint32_t cpu = (uint32_t) ((uint64_t) ticket >> PERCPU_EC_SEQ_BITS);
    if (cpu >= ncpu)
        return PERCPU_OP_NOT_ON_CPU;
    if (!percpu_fb_row_lock(locks, cpu))
        return PERCPU_BUSY;
    int r = PERCPU_OP_COMPARE_FAILED;
    if (*percpu_row_word(counters, row_bytes, cpu, 0) == ((uint64_t) ticket & PERCPU_EC_SEQ_MASK)) {
        __atomic_store_n(target, value, __ATOMIC_RELEASE); /* publishes the caller's earlier stores */
        r = PERCPU_OP_OK;
    }
    percpu_fb_row_unlock(locks, cpu);
    return r;
}

#endif
