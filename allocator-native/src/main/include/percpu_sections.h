/*
 * percpu_sections.h - the nine rseq critical sections, each told once: its
 * pseudo-code, its C signature, its operands and the C labels its outcomes
 * land on. The instructions come from the architecture file
 * (percpu_arch.h): the fragments every section shares (arm, CPU check,
 * stopped check, abort handler) and, per section, its body
 * (PERCPU_CS_<NAME>_ASM: from after the checks to the committing store)
 * and the scratch registers that body and the fragments use
 * (PERCPU_CS_<NAME>_CLOBBERS).
 *
 * A section, as assembled here (labels local to each asm statement):
 *
 *   3:  the descriptor (struct rseq_cs) in __rseq_cs, and a pointer to it
 *       in __rseq_cs_ptr_array so that tools find every section
 *   ARM                  rs->rseq_cs = &descriptor (from here on the
 *                        kernel restarts us at abort_ip)
 *   1:  start_ip
 *   CHECK_CPU            rs->cpu_id != cpu or the force-abort test hook:
 *                        abort (stack sections then CHECK_STOPPED:
 *                        hdr->stopped != 0 -> STOPPED)
 *   the body             ending with ONE committing store
 *   2:  post_commit
 *   4:  abort_ip, out of line in __rseq_failure after the signature:
 *       back to the C retry loop (ABORTED)
 *   5/6: loop labels of a body, 7n: the delay loop of injection point n
 *
 * In the pseudo-code below, "-> X" leaves the section with outcome
 * PERCPU_CS_X (percpu_arch.h), inject(n) is delay-injection point n of the
 * test build (percpu_arch.h), "caller-private" marks a store to memory
 * only the calling thread reads (redone harmlessly if the section
 * restarts) and "commit" the one store that makes the section's effect
 * visible. Every architecture's body follows its section's pseudo-code
 * step by step, with the injection points at the same places; what each
 * operation means to its callers is told in percpu_stack_ops.h and
 * percpu_primitives.h, and the memory ordering per architecture in the
 * architecture files.
 *
 * The operands are named, so a body refers to [hdr], [out], ... The
 * inputs every section lists: PERCPU_CS_RSEQ_OPERANDS (the rseq area's
 * offsets and the signature word), and for the stack sections
 * PERCPU_CS_HEADER_OPERANDS (percpu_arch.h). Pointers are passed as "r"
 * inputs with a "memory" clobber, never as "m" operands written through
 * (gcc may assume "m" inputs unchanged).
 */
#ifndef PERCPU_SECTIONS_H
#define PERCPU_SECTIONS_H

#include "percpu_arch.h"

/*
 * The descriptor at label 3: version 0, flags 0, start_ip = label 1,
 * post_commit_offset = label 2 - label 1, abort_ip = label 4.
 */
#define PERCPU_CS_DESCRIPTOR                                                          \
    ".pushsection __rseq_cs, \"aw\"\n\t"                                              \
    ".balign 32\n\t"                                                                  \
    "3:\n\t"                                                                          \
    ".long 0, 0\n\t"                        /* version 0, flags 0 */                  \
    ".quad 1f, (2f - 1f), 4f\n\t"           /* start_ip, post_commit_offset, abort_ip */ \
    ".popsection\n\t"                                                                 \
    ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"                                    \
    ".balign 8\n\t"                                                                   \
    ".quad 3b\n\t"                          /* pointer to the descriptor */           \
    ".popsection\n\t"

/* Right after the committing store. */
#define PERCPU_CS_POST_COMMIT "2:\n\t"      /* post_commit */

/* The offsets (percpu_arch.h) and the signature as the abort handler emits it. */
#define PERCPU_CS_RSEQ_OPERANDS PERCPU_CS_RSEQ_OFFSETS, [sig] "i"(PERCPU_RSEQ_SIG_ASM)

/*
 * pop: the top index of cpu's stack to *out.
 *
 *   check cpu, check stopped
 *   t = hdr->top
 *   if (t == 0) -> EMPTY
 *   inject(1)
 *   *out = hdr->slots[t - 1]                  caller-private
 *   hdr->pops += 1
 *   inject(2)
 *   commit hdr->top = t - 1
 */
static inline __attribute__((always_inline)) int
percpu_cs_pop(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu, uint32_t *out)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_CHECK_STOPPED
        PERCPU_CS_POP_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [out] "r"(out), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_POP_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, empty, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
empty:
    return PERCPU_CS_EMPTY;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * push: index onto cpu's stack.
 *
 *   check cpu, check stopped
 *   t = hdr->top
 *   if (t >= hdr->capacity) -> FULL
 *   inject(1)
 *   hdr->slots[t] = index                     above top: invisible until the commit
 *   hdr->pushes += 1
 *   inject(2)
 *   commit hdr->top = t + 1
 */
static inline __attribute__((always_inline)) int
percpu_cs_push(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu, uint32_t index)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_CHECK_STOPPED
        PERCPU_CS_PUSH_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [index] "r"(index), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_PUSH_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, full, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
full:
    return PERCPU_CS_FULL;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * pop_batch: the top k = min(n, top) indices of cpu's stack to
 * out[0 .. k), oldest first, n >= 1; k to *count.
 *
 *   check cpu, check stopped
 *   t = hdr->top
 *   k = min(n, t)
 *   if (k == 0) -> EMPTY
 *   for (i = 0; i < k; i++) {                 loop test at the bottom (k >= 1)
 *       inject(3)
 *       out[i] = hdr->slots[t - k + i]        caller-private
 *   }
 *   inject(1)
 *   *count = k                                caller-private
 *   hdr->pops += k
 *   inject(2)
 *   commit hdr->top = t - k
 */
static inline __attribute__((always_inline)) int
percpu_cs_pop_batch(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu,
                    uint32_t *out, uint32_t n, uint32_t *count)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_CHECK_STOPPED
        PERCPU_CS_POP_BATCH_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [out] "r"(out), [n] "r"(n),
          [count] "r"(count), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_POP_BATCH_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, empty, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
empty:
    return PERCPU_CS_EMPTY;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * push_batch: k = min(n, capacity - top) indices from in[0 .. k) onto
 * cpu's stack, n >= 1; k to *count.
 *
 *   check cpu, check stopped
 *   t = hdr->top
 *   if (hdr->capacity <= t) -> FULL
 *   k = min(n, hdr->capacity - t)
 *   for (i = 0; i < k; i++) {                 loop test at the bottom (k >= 1)
 *       inject(3)
 *       hdr->slots[t + i] = in[i]             above top: invisible until the commit
 *   }
 *   inject(1)
 *   *count = k                                caller-private
 *   hdr->pushes += k
 *   inject(2)
 *   commit hdr->top = t + k
 */
static inline __attribute__((always_inline)) int
percpu_cs_push_batch(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu,
                     const uint32_t *in, uint32_t n, uint32_t *count)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_CHECK_STOPPED
        PERCPU_CS_PUSH_BATCH_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [in] "r"(in), [n] "r"(n),
          [count] "r"(count), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_PUSH_BATCH_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, full, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
full:
    return PERCPU_CS_FULL;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * add: *word += delta on the current CPU's row.
 *
 *   check cpu
 *   v = *word
 *   inject(1)
 *   commit *word = v + delta
 */
static inline __attribute__((always_inline)) int
percpu_cs_add(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *word, int64_t delta)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_ADD_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [word] "r"(word), [delta] "r"(delta),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_ADD_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : aborted);
    return PERCPU_CS_COMMITTED;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * cmp_store2: if (*word == expect) { *word2 = value2; *word = newv; }
 *
 *   check cpu
 *   if (*word != expect) -> COMPARE_FAILED    nothing written
 *   *word2 = value2                           the try store (percpu_primitives.h)
 *   inject(1)
 *   commit *word = newv                       publishes word2 (release)
 */
static inline __attribute__((always_inline)) int
percpu_cs_cmp_store2(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *word, uint64_t expect, uint64_t newv,
                     uint64_t *word2, uint64_t value2)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_CMP_STORE2_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [word] "r"(word), [expect] "r"(expect), [newv] "r"(newv),
          [word2] "r"(word2), [value2] "r"(value2),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_CMP_STORE2_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : cmpfail, aborted);
    return PERCPU_CS_COMMITTED;
cmpfail:
    return PERCPU_CS_COMPARE_FAILED;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * cmp_copy: if (*word == expect) { memcpy(dst, src, len); *word = newv; }
 *
 *   check cpu
 *   if (*word != expect) -> COMPARE_FAILED    nothing written
 *   for (i = 0; i < len; i++) {               loop test at the top (len may be 0)
 *       inject(3)
 *       dst[i] = src[i]                       byte by byte, redone on restart
 *   }
 *   inject(1)
 *   commit *word = newv                       publishes the copy (release)
 */
static inline __attribute__((always_inline)) int
percpu_cs_cmp_copy(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *word, uint64_t expect, uint64_t newv,
                   uint8_t *dst, const uint8_t *src, uint64_t len)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_CMP_COPY_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [word] "r"(word), [expect] "r"(expect), [newv] "r"(newv),
          [dst] "r"(dst), [src] "r"(src), [len] "r"(len),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_CMP_COPY_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : cmpfail, aborted);
    return PERCPU_CS_COMMITTED;
cmpfail:
    return PERCPU_CS_COMPARE_FAILED;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * ec_begin: *counter = (*counter + 1) mod 2^48, the new value to *seq_out.
 *
 *   check cpu
 *   s = (*counter + 1) & mask                 mask = 2^48 - 1
 *   *seq_out = s                              caller-private
 *   inject(1)
 *   commit *counter = s
 */
static inline __attribute__((always_inline)) int
percpu_cs_ec_begin(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *counter, uint64_t *seq_out)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        PERCPU_CS_EC_BEGIN_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [counter] "r"(counter), [seq_out] "r"(seq_out),
          [mask] "r"(PERCPU_EC_SEQ_MASK),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_EC_BEGIN_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : aborted);
    return PERCPU_CS_COMMITTED;
aborted:
    return PERCPU_CS_ABORTED;
}

/*
 * ec_commit: *target = value if the thread runs on the ticket's cpu and
 * *counter == seq (percpu_primitives.h). The CPU check is its own: a
 * thread off the ticket's CPU fails for good instead of restarting.
 *
 *   check ticket cpu                          rs->cpu_id != cpu -> NOT_ON_CPU
 *   if (*counter != seq) -> COMPARE_FAILED    a begin() ran on that CPU since
 *   inject(1)
 *   commit *target = value                    publishes the caller's earlier stores (release)
 */
static inline __attribute__((always_inline)) int
percpu_cs_ec_commit(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *counter, uint64_t seq,
                    uint64_t *target, uint64_t value)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_TICKET_CPU
        PERCPU_CS_EC_COMMIT_ASM
        PERCPU_CS_POST_COMMIT
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [counter] "r"(counter), [seq] "r"(seq), [target] "r"(target),
          [value] "r"(value),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : PERCPU_CS_EC_COMMIT_CLOBBERS, "memory", "cc" PERCPU_INJECT_CLOBBERS
        : notoncpu, cmpfail, aborted);
    return PERCPU_CS_COMMITTED;
notoncpu:
    return PERCPU_CS_NOT_ON_CPU;
cmpfail:
    return PERCPU_CS_COMPARE_FAILED;
aborted:
    return PERCPU_CS_ABORTED;
}

#endif
