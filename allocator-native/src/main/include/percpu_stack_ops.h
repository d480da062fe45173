/*
 * percpu_stack_ops.h - push, pop, push_batch and pop_batch on the per-CPU
 * index stacks of a block (layout in percpu_layout.h), x86-64.
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
 * that cannot use rseq. The CPU comes from sched_getcpu(); a lock that
 * stays taken for PERCPU_FB_SPINS attempts gives PERCPU_BUSY.
 *
 * Include after defining _GNU_SOURCE (for sched_getcpu).
 *
 * Test build (PERCPU_INJECT defined): numbered delay loops at injection
 * points inside each section, the point each abort happened at is
 * counted, and a test callback runs after each abort. Without PERCPU_INJECT the hooks compile to nothing.
 */
#ifndef PERCPU_STACK_OPS_H
#define PERCPU_STACK_OPS_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "percpu_layout.h"
#include "percpu_rseq.h"

#if !defined(__x86_64__)
#error "percpu rseq sections are written for x86-64"
#endif

#define PERCPU_FB_SPINS 256

/* What a section reports to its C retry loop. */
#define PERCPU_CS_COMMITTED 0
#define PERCPU_CS_EMPTY 1
#define PERCPU_CS_FULL 2
#define PERCPU_CS_STOPPED 3
#define PERCPU_CS_ABORTED 4

#ifdef PERCPU_INJECT
#define PERCPU_INJECT_POINTS 4
extern uint32_t percpu_inject_delay[PERCPU_INJECT_POINTS];
extern uint64_t percpu_inject_aborts[PERCPU_INJECT_POINTS];
extern __thread uint32_t percpu_inject_point;
/* Called on the abort path of every retry loop when set (a test changes the world there). */
extern void (*percpu_inject_after_abort)(void);
/* Record that the section reached point n, then spin delay[n] times. */
#define PERCPU_INJECT_AT(n)                                                           \
    "movl $" #n ", (%[inj_point])\n\t"      /* inj_point = n */                       \
    "movl " #n "*%c[inj_size](%[inj_delay]), %%r8d\n\t" /* r8d = delay[n] */          \
    "7" #n ":\n\t"                                                                    \
    "subl $1, %%r8d\n\t"                    /* r8d -= 1 */                            \
    "jns 7" #n "b\n\t"                      /* loop until it goes negative */
#define PERCPU_INJECT_INPUTS                                                          \
    , [inj_point] "r"(&percpu_inject_point), [inj_delay] "r"(percpu_inject_delay),    \
      [inj_size] "i"(sizeof percpu_inject_delay[0])
#define PERCPU_INJECT_CLOBBERS , "r8"
#define PERCPU_INJECT_RESET() (percpu_inject_point = 0)
#define PERCPU_INJECT_COUNT_ABORT()                                                   \
    do {                                                                              \
        __atomic_fetch_add(&percpu_inject_aborts[percpu_inject_point], 1, __ATOMIC_RELAXED); \
        if (percpu_inject_after_abort != NULL)                                        \
            percpu_inject_after_abort();                                              \
    } while (0)
#else
#define PERCPU_INJECT_AT(n)
#define PERCPU_INJECT_INPUTS
#define PERCPU_INJECT_CLOBBERS
#define PERCPU_INJECT_RESET() ((void) 0)
#define PERCPU_INJECT_COUNT_ABORT() ((void) 0)
#endif

/*
 * Constants the sections' asm uses, passed as "i" operands (printed with
 * %c) and built from the C declarations: the offsets come from offsetof on
 * struct percpu_rseq_area and struct percpu_cpu_header, whose layout the
 * _Static_asserts of percpu_rseq.h and percpu_layout.h pin down, so those
 * asserts cover the instructions that run. Every section lists
 * PERCPU_CS_RSEQ_OPERANDS among its inputs; stack sections also list
 * PERCPU_CS_HEADER_OPERANDS.
 */
#define PERCPU_CS_RSEQ_OPERANDS                                                       \
    [rs_rseq_cs] "i"(offsetof(struct percpu_rseq_area, rseq_cs)),                     \
    [rs_cpu_id] "i"(offsetof(struct percpu_rseq_area, cpu_id)),                       \
    [sig] "i"(PERCPU_RSEQ_SIG)
#define PERCPU_CS_HEADER_OPERANDS                                                     \
    [hdr_top] "i"(offsetof(struct percpu_cpu_header, top)),                           \
    [hdr_capacity] "i"(offsetof(struct percpu_cpu_header, capacity)),                 \
    [hdr_stopped] "i"(offsetof(struct percpu_cpu_header, stopped)),                   \
    [hdr_slots] "i"(offsetof(struct percpu_cpu_header, slots)),                       \
    [hdr_pops] "i"(offsetof(struct percpu_cpu_header, pops)),                         \
    [hdr_pushes] "i"(offsetof(struct percpu_cpu_header, pushes))

/*
 * The section's descriptor (struct rseq_cs) at label 3, in section
 * __rseq_cs, and its address in __rseq_cs_ptr_array so that tools can find
 * every section. start_ip is label 1, the commit ends at label 2, abort_ip
 * is label 4.
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

/*
 * Arm: from the next instruction on, the kernel restarts us at abort_ip.
 * Uses rax: every section must list "rax" among its clobbers.
 */
#define PERCPU_CS_ARM                                                                 \
    "leaq 3b(%%rip), %%rax\n\t"             /* rax = &descriptor */                   \
    "movq %%rax, %c[rs_rseq_cs](%[rs])\n\t" /* rs->rseq_cs = rax */

/* First instructions of every section: start_ip, the CPU check and the test hook. */
#define PERCPU_CS_CHECK_CPU                                                           \
    "1:\n\t"                                /* start_ip */                            \
    "cmpl %[cpu], %c[rs_cpu_id](%[rs])\n\t" /* rs->cpu_id == cpu ? */                 \
    "jnz 4f\n\t"                            /* no: migrated, restart */               \
    "cmpl $0, percpu_force_abort(%%rip)\n\t" /* test hook set? */                     \
    "jnz 4f\n\t"                            /* yes: take the abort path */

/* The start of every stack section: the CPU check, then the stopped word. */
#define PERCPU_CS_ENTER                                                               \
    PERCPU_CS_CHECK_CPU                                                               \
    "cmpl $0, %c[hdr_stopped](%[hdr])\n\t"  /* hdr->stopped != 0 ? */                 \
    "jnz %l[stopped]\n\t"                   /* yes: a remote owner has it */

/*
 * The abort handler, out of line in __rseq_failure. The kernel requires
 * the 4 bytes before abort_ip to equal PERCPU_RSEQ_SIG; the three bytes
 * before them make the signature decode as the displacement of a ud1
 * instruction, so a stray jump into it traps instead of running data.
 */
#define PERCPU_CS_ABORT                                                               \
    ".pushsection __rseq_failure, \"ax\"\n\t"                                         \
    ".byte 0x0f, 0xb9, 0x3d\n\t"            /* ud1 opcode and modrm */                \
    ".long %c[sig]\n\t"                     /* PERCPU_RSEQ_SIG */                     \
    "4:\n\t"                                /* abort_ip */                            \
    "jmp %l[aborted]\n\t"                   /* back to the C retry loop */            \
    ".popsection\n\t"

static inline __attribute__((always_inline)) int
percpu_cs_pop(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu, uint32_t *out)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_ENTER
        "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */
        "testl %%ecx, %%ecx\n\t"                      /* top == 0 ? */
        "jz %l[empty]\n\t"                            /* yes: nothing to pop */
        PERCPU_INJECT_AT(1)
        "subl $1, %%ecx\n\t"                          /* ecx = top - 1 */
        "movq %c[hdr_slots](%[hdr]), %%rdx\n\t"       /* rdx = hdr->slots */
        "movl (%%rdx, %%rcx, 4), %%eax\n\t"           /* eax = slots[top - 1] */
        "movl %%eax, (%[out])\n\t"                    /* *out = eax (caller-private) */
        "addq $1, %c[hdr_pops](%[hdr])\n\t"           /* hdr->pops += 1 */
        PERCPU_INJECT_AT(2)
        "movl %%ecx, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top - 1 */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [out] "r"(out), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "rcx", "rdx", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, empty, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
empty:
    return PERCPU_CS_EMPTY;
aborted:
    return PERCPU_CS_ABORTED;
}

static inline __attribute__((always_inline)) int
percpu_cs_push(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu, uint32_t index)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_ENTER
        "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */
        "cmpl %c[hdr_capacity](%[hdr]), %%ecx\n\t"    /* top >= capacity ? */
        "jae %l[full]\n\t"                            /* yes: no room */
        PERCPU_INJECT_AT(1)
        "movq %c[hdr_slots](%[hdr]), %%rdx\n\t"       /* rdx = hdr->slots */
        "movl %[index], (%%rdx, %%rcx, 4)\n\t"        /* slots[top] = index (above top: invisible) */
        "addq $1, %c[hdr_pushes](%[hdr])\n\t"         /* hdr->pushes += 1 */
        "addl $1, %%ecx\n\t"                          /* ecx = top + 1 */
        PERCPU_INJECT_AT(2)
        "movl %%ecx, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top + 1 */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [index] "r"(index), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "rcx", "rdx", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, full, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
full:
    return PERCPU_CS_FULL;
aborted:
    return PERCPU_CS_ABORTED;
}

/* Pops min(n, top) entries into out[0 ..), n >= 1; the count goes to *count. */
static inline __attribute__((always_inline)) int
percpu_cs_pop_batch(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu,
                    uint32_t *out, uint32_t n, uint32_t *count)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_ENTER
        "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */
        "movl %[n], %%edx\n\t"                        /* edx = n */
        "cmpl %%ecx, %%edx\n\t"                       /* n > top ? */
        "cmova %%ecx, %%edx\n\t"                      /* then edx = top: edx = k = min(n, top) */
        "testl %%edx, %%edx\n\t"                      /* k == 0 ? */
        "jz %l[empty]\n\t"                            /* yes: nothing to pop */
        "movl %%ecx, %%eax\n\t"                       /* eax = top */
        "subl %%edx, %%eax\n\t"                       /* eax = top - k, the new top */
        "movq %c[hdr_slots](%[hdr]), %%rsi\n\t"       /* rsi = hdr->slots */
        "leaq (%%rsi, %%rax, 4), %%rsi\n\t"           /* rsi = &slots[top - k] */
        "xorl %%r9d, %%r9d\n\t"                       /* r9 = i = 0 */
        "5:\n\t"
        "movl (%%rsi, %%r9, 4), %%r10d\n\t"           /* r10d = slots[top - k + i] */
        "movl %%r10d, (%[out], %%r9, 4)\n\t"          /* out[i] = r10d (caller-private) */
        "addq $1, %%r9\n\t"                           /* i += 1 */
        "cmpq %%rdx, %%r9\n\t"                        /* i < k ? */
        "jb 5b\n\t"                                   /* yes: copy the next one */
        PERCPU_INJECT_AT(1)
        "movl %%edx, (%[count])\n\t"                  /* *count = k (caller-private) */
        "addq %%rdx, %c[hdr_pops](%[hdr])\n\t"        /* hdr->pops += k */
        PERCPU_INJECT_AT(2)
        "movl %%eax, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top - k */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [out] "r"(out), [n] "r"(n),
          [count] "r"(count), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "rcx", "rdx", "rsi", "r9", "r10", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : stopped, empty, aborted);
    return PERCPU_CS_COMMITTED;
stopped:
    return PERCPU_CS_STOPPED;
empty:
    return PERCPU_CS_EMPTY;
aborted:
    return PERCPU_CS_ABORTED;
}

/* Pushes min(n, capacity - top) entries from in[0 ..), n >= 1; count to *count. */
static inline __attribute__((always_inline)) int
percpu_cs_push_batch(struct percpu_rseq_area *rs, struct percpu_cpu_header *hdr, uint32_t cpu,
                     const uint32_t *in, uint32_t n, uint32_t *count)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_ENTER
        "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */
        "movl %c[hdr_capacity](%[hdr]), %%edx\n\t"    /* edx = capacity */
        "cmpl %%ecx, %%edx\n\t"                       /* capacity <= top ? */
        "jbe %l[full]\n\t"                            /* yes: no room */
        "subl %%ecx, %%edx\n\t"                       /* edx = room = capacity - top */
        "cmpl %[n], %%edx\n\t"                        /* room > n ? */
        "cmova %[n], %%edx\n\t"                       /* then edx = n: edx = k = min(n, room) */
        "movq %c[hdr_slots](%[hdr]), %%rsi\n\t"       /* rsi = hdr->slots */
        "leaq (%%rsi, %%rcx, 4), %%rsi\n\t"           /* rsi = &slots[top] */
        "xorl %%r9d, %%r9d\n\t"                       /* r9 = i = 0 */
        "5:\n\t"
        "movl (%[in], %%r9, 4), %%r10d\n\t"           /* r10d = in[i] */
        "movl %%r10d, (%%rsi, %%r9, 4)\n\t"           /* slots[top + i] = r10d (above top: invisible) */
        "addq $1, %%r9\n\t"                           /* i += 1 */
        "cmpq %%rdx, %%r9\n\t"                        /* i < k ? */
        "jb 5b\n\t"                                   /* yes: copy the next one */
        PERCPU_INJECT_AT(1)
        "movl %%edx, (%[count])\n\t"                  /* *count = k (caller-private) */
        "addq %%rdx, %c[hdr_pushes](%[hdr])\n\t"      /* hdr->pushes += k */
        "addl %%edx, %%ecx\n\t"                       /* ecx = top + k */
        PERCPU_INJECT_AT(2)
        "movl %%ecx, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top + k */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [hdr] "r"(hdr), [cpu] "r"(cpu), [in] "r"(in), [n] "r"(n),
          [count] "r"(count), PERCPU_CS_RSEQ_OPERANDS,
          PERCPU_CS_HEADER_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "rcx", "rdx", "rsi", "r9", "r10", "memory", "cc" PERCPU_INJECT_CLOBBERS
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
 * returns.
 */
#define PERCPU_RSEQ_RETRY(block, OP, RESULT, EMPTY_OR_FULL)                           \
    PERCPU_CS_RETRY(percpu_block_ncpu(block),                                         \
                    struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu),    \
                    OP, RESULT, cs == PERCPU_CS_STOPPED ? PERCPU_STOPPED : (EMPTY_OR_FULL), \
                    percpu_count_abort(hdr))

/* Abort path only: the exact per-thread count. */
static inline void percpu_count_thread_abort(void)
{
    percpu_tls_aborts++;
    PERCPU_INJECT_COUNT_ABORT();
}

/* Abort path of a stack section: the exact per-thread count and the approximate per-CPU count. */
static inline void percpu_count_abort(struct percpu_cpu_header *hdr)
{
    percpu_count_thread_abort();
    __atomic_store_n(&hdr->aborts, __atomic_load_n(&hdr->aborts, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* rseq mode. Returns the popped index (>= 0), PERCPU_EMPTY or an error code. */
static inline int percpu_pop(void *block)
{
    uint32_t index;
    PERCPU_RSEQ_RETRY(block, percpu_cs_pop(rs, hdr, cpu, &index), (int) index, PERCPU_EMPTY);
}

/* rseq mode. Returns PERCPU_OK, PERCPU_FULL or an error code. */
static inline int percpu_push(void *block, uint32_t index)
{
    PERCPU_RSEQ_RETRY(block, percpu_cs_push(rs, hdr, cpu, index), PERCPU_OK, PERCPU_FULL);
}

/* rseq mode. Returns how many were popped (0 when empty) or an error code. */
static inline int percpu_pop_batch(void *block, uint32_t *out, uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t count;
    PERCPU_RSEQ_RETRY(block, percpu_cs_pop_batch(rs, hdr, cpu, out, n, &count), (int) count, 0);
}

/* rseq mode. Returns how many were pushed (0 when full) or an error code. */
static inline int percpu_push_batch(void *block, const uint32_t *in, uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t count;
    PERCPU_RSEQ_RETRY(block, percpu_cs_push_batch(rs, hdr, cpu, in, n, &count), (int) count, 0);
}

/* Fallback mode: the CPU's stack under its try-lock. */
static inline struct percpu_cpu_header *percpu_fb_lock(void *block)
{
    int cpu = sched_getcpu();
    uint32_t ncpu = percpu_block_ncpu(block);
    struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu < 0 ? 0 : (uint32_t) cpu % ncpu);
    for (int spin = 0; spin < PERCPU_FB_SPINS; spin++) {
        uint32_t expected = 0;
        if (__atomic_load_n(&hdr->lock, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(&hdr->lock, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            return hdr;
        }
        __builtin_ia32_pause();
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

#endif
