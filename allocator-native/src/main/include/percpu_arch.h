/*
 * percpu_arch.h - the contract between the shared C code and the one file
 * per architecture that holds everything written for one instruction set,
 * and the choice of that file.
 *
 * An architecture file (percpu_arch_<arch>.h) provides:
 *
 *   PERCPU_RSEQ_SIG      the signature the kernel checks in the 4 bytes
 *                        before every abort_ip (and that a registration
 *                        passes to the rseq system call);
 *   PERCPU_RSEQ_SIG_ASM  the same signature as the abort handler's asm
 *                        emits it;
 *   PERCPU_CPU_RELAX()   the spin-wait hint of a busy loop;
 *   PERCPU_VECTORIZED    the attribute of the loops built in several
 *                        vector-width copies (empty where there is one);
 *   percpu_fb_cpu()      the CPU whose stripe a fallback-mode operation
 *                        locks (negative: unknown, stripe 0): the CPU it
 *                        runs on, or a per-thread stand-in, found without
 *                        a system call;
 *   the instructions of the nine rseq sections, which percpu_sections.h
 *   assembles into one static always_inline function per operation
 *   (percpu_cs_pop, percpu_cs_push, percpu_cs_pop_batch,
 *   percpu_cs_push_batch, percpu_cs_add, percpu_cs_cmp_store2,
 *   percpu_cs_cmp_copy, percpu_cs_ec_begin, percpu_cs_ec_commit), each
 *   returning a PERCPU_CS_* outcome below:
 *     the fragments every section shares: PERCPU_CS_ARM (store the
 *     descriptor's address to rseq->rseq_cs), PERCPU_CS_CHECK_CPU
 *     (start_ip, the CPU check against rseq->cpu_id and the force-abort
 *     test hook), PERCPU_CS_CHECK_TICKET_CPU (the same for ec_commit,
 *     whose mismatch is an outcome, not a restart), PERCPU_CS_CHECK_STOPPED
 *     (the stopped word, stack sections) and PERCPU_CS_ABORT (the abort
 *     handler in section __rseq_failure, preceded by the signature, that
 *     jumps back to the C retry loop);
 *     per section, PERCPU_CS_<NAME>_ASM, the body from after the checks
 *     to the ONE committing store, following the section's pseudo-code in
 *     percpu_sections.h, and PERCPU_CS_<NAME>_CLOBBERS, every register
 *     the fragments and the body write;
 *   the delay-injection hooks inside those sections (PERCPU_INJECT builds).
 *
 * The retry loops, the fallback mode and the remote protocol
 * (percpu_remote.h) are shared and live in the other headers.
 */
#ifndef PERCPU_ARCH_H
#define PERCPU_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "percpu_layout.h"
#include "percpu_rseq.h"

/* What a section reports to its C retry loop. */
#define PERCPU_CS_COMMITTED 0
#define PERCPU_CS_EMPTY 1
#define PERCPU_CS_FULL 2
#define PERCPU_CS_STOPPED 3
#define PERCPU_CS_ABORTED 4
#define PERCPU_CS_COMPARE_FAILED 5
#define PERCPU_CS_NOT_ON_CPU 6

/* Event counters wrap at 2^48; a ticket is cpu << 48 | sequence (percpu_primitives.h). */
#define PERCPU_EC_SEQ_BITS 48
#define PERCPU_EC_SEQ_MASK ((1ull << PERCPU_EC_SEQ_BITS) - 1)

/* The kinds of section, for the abort counts of the test build. */
enum percpu_cs_kind {
    PERCPU_KIND_POP,
    PERCPU_KIND_PUSH,
    PERCPU_KIND_POP_BATCH,
    PERCPU_KIND_PUSH_BATCH,
    PERCPU_KIND_ADD,
    PERCPU_KIND_CMP_STORE2,
    PERCPU_KIND_CMP_COPY,
    PERCPU_KIND_EC_BEGIN,
    PERCPU_KIND_EC_COMMIT,
    PERCPU_CS_KINDS
};

/*
 * Test build (PERCPU_INJECT defined, the C tests only): numbered delay
 * loops at injection points inside each section; the kind of section and
 * the point each abort happened at are counted, and a test callback runs
 * after each abort. The architecture file places the delay loops
 * (PERCPU_INJECT_AT, at the same points on every architecture); the
 * counting is shared. Point 0 stands for "before the first point" (the
 * arm, the CPU and stopped checks). Without PERCPU_INJECT the hooks
 * compile to nothing.
 */
#ifdef PERCPU_INJECT
#define PERCPU_INJECT_POINTS 4
/* The point inside the copy loops (pop_batch, push_batch, cmp_copy), passed on every round. */
#define PERCPU_INJECT_LOOP_POINT 3
extern uint32_t percpu_inject_delay[PERCPU_INJECT_POINTS];
extern uint64_t percpu_inject_aborts[PERCPU_CS_KINDS][PERCPU_INJECT_POINTS];
extern __thread uint32_t percpu_inject_point;
/* Called on the abort path of every retry loop when set (a test changes the world there). */
extern void (*percpu_inject_after_abort)(void);
/* The inputs of every section's PERCPU_INJECT_AT (the asm of each architecture file). */
#define PERCPU_INJECT_INPUTS                                                          \
    , [inj_point] "r"(&percpu_inject_point), [inj_delay] "r"(percpu_inject_delay),    \
      [inj_size] "i"(sizeof percpu_inject_delay[0])
#define PERCPU_INJECT_RESET() (percpu_inject_point = 0)
#define PERCPU_INJECT_COUNT_ABORT(kind)                                               \
    do {                                                                              \
        __atomic_fetch_add(&percpu_inject_aborts[kind][percpu_inject_point], 1, __ATOMIC_RELAXED); \
        if (percpu_inject_after_abort != NULL)                                        \
            percpu_inject_after_abort();                                              \
    } while (0)

/*
 * The injection points (bit n for point n, point 0 left out) the sections
 * of a kind have: 1 and 2 in the stack sections, 1 in the primitives, and
 * the loop point in the three sections with a copy loop.
 */
static inline uint32_t percpu_inject_points_of(enum percpu_cs_kind kind)
{
    uint32_t loop = 1u << PERCPU_INJECT_LOOP_POINT;
    switch (kind) {
    case PERCPU_KIND_POP:
    case PERCPU_KIND_PUSH:
        return 1u << 1 | 1u << 2;
    case PERCPU_KIND_POP_BATCH:
    case PERCPU_KIND_PUSH_BATCH:
        return 1u << 1 | 1u << 2 | loop;
    case PERCPU_KIND_CMP_COPY:
        return 1u << 1 | loop;
    default:
        return 1u << 1;
    }
}
#else
#define PERCPU_INJECT_INPUTS
#define PERCPU_INJECT_RESET() ((void) 0)
#define PERCPU_INJECT_COUNT_ABORT(kind) ((void) 0)
#endif

/*
 * Constants the sections' asm uses, passed as "i" operands (printed with
 * %c, which prints no '#' or '$') and built from the C declarations: the
 * offsets come from offsetof on struct percpu_rseq_area and struct
 * percpu_cpu_header, whose layout the _Static_asserts of percpu_rseq.h and
 * percpu_layout.h pin down, so those asserts cover the instructions that
 * run. Every section lists PERCPU_CS_RSEQ_OPERANDS (these offsets and the
 * signature, percpu_sections.h) among its inputs; stack sections also list
 * PERCPU_CS_HEADER_OPERANDS.
 */
#define PERCPU_CS_RSEQ_OFFSETS                                                        \
    [rs_rseq_cs] "i"(offsetof(struct percpu_rseq_area, rseq_cs)),                     \
    [rs_cpu_id] "i"(offsetof(struct percpu_rseq_area, cpu_id))
#define PERCPU_CS_HEADER_OPERANDS                                                     \
    [hdr_top] "i"(offsetof(struct percpu_cpu_header, top)),                           \
    [hdr_capacity] "i"(offsetof(struct percpu_cpu_header, capacity)),                 \
    [hdr_stopped] "i"(offsetof(struct percpu_cpu_header, stopped)),                   \
    [hdr_slots] "i"(offsetof(struct percpu_cpu_header, slots)),                       \
    [hdr_pops] "i"(offsetof(struct percpu_cpu_header, pops)),                         \
    [hdr_pushes] "i"(offsetof(struct percpu_cpu_header, pushes))

#if defined(__x86_64__)
#include "percpu_arch_x86_64.h"
#elif defined(__aarch64__)
#include "percpu_arch_aarch64.h"
#else
#error "percpu supports Linux on x86-64 and aarch64 (arm64) only: no rseq sections for this architecture"
#endif

#endif
