/*
 * percpu_arch_aarch64.h - everything percpu writes for arm64 (AArch64)
 * alone: the instructions of the rseq sections (the fragments every
 * section shares, and each section's body and clobbers), their
 * delay-injection hooks, the signature, the spin-wait hint, the vector
 * clones and the fallback CPU. The contract it fulfils is told in
 * percpu_arch.h; each section's pseudo-code, C signature and outcomes, and
 * the labels every section uses, once for every architecture in
 * percpu_sections.h.
 *
 * A section on arm64, the conventions a disassembly check can rely on:
 *   the arm, right before start_ip: adrp + add of the descriptor, then one
 *       64-bit str of it to rs->rseq_cs;
 *   start_ip: ldr of rs->cpu_id, cmp with the CPU indexed, b.ne to the
 *       abort handler (ec_commit: to its not-on-CPU exit); then the
 *       force-abort test hook (adrp + ldr + cbnz to the abort handler);
 *   the body; its last instruction, right before post_commit, is the ONE
 *       committing store (str, or stlr where the section publishes, see
 *       below);
 *   abort_ip, in section __rseq_failure: the signature as the instruction
 *       word right before it (.inst 0xd428bc00, which decodes as
 *       brk #0x45e0, so a stray jump into it traps), then one b back to
 *       the C retry loop.
 * Every branch out of [start_ip, post_commit) goes to the abort handler or
 * to a C label (stopped, empty, full, compare failed, not on CPU), never
 * into another section.
 * Scratch registers: x9 - x14 as each section lists them; x15 in
 * PERCPU_INJECT builds. All are caller-saved temporaries of the AAPCS64.
 *
 * MEMORY ORDERING. arm64 is weakly ordered: a load may be satisfied before
 * an older load, and stores may become visible to other CPUs out of
 * program order. x86's TSO gives the protocol of percpu_remote.h every
 * ordering it needs for free; here each one is argued:
 *
 *   - Sections on one CPU c against each other: a CPU observes its own
 *     loads and stores in program order, and the kernel's context switch
 *     (and a migration) is a full barrier. Plain ldr/str suffice, as on
 *     x86, for everything a later section on c reads.
 *
 *   - The stopped word, local side: LOAD-ACQUIRE (ldar). A remote owner R
 *     writes top, capacity and slots while c is stopped, then
 *     store-releases stopped = 0 (percpu_remote.c). A section on c that
 *     reads stopped == 0 with a plain ldr could still have its later loads
 *     of top or slots satisfied earlier, from before R's writes:
 *       R:         stopped = 1; fence; top = 0 (took 5 entries)
 *       L (on c):  ldr top -> 5 (satisfied early, stale)
 *       R:         stlr stopped = 0
 *       L:         ldr stopped -> 0; pops slots[4]; commits top = 4
 *                  <- resurrects an entry R took
 *     ldar orders every later load and store of the section after the
 *     load of stopped, so a section that sees R's release sees R's writes.
 *
 *   - The remote owner's reads after the fence: no acquire needed in the
 *     section's commit. membarrier(PRIVATE_EXPEDITED_RSEQ) runs smp_mb()
 *     in the caller before and after the IPIs, and the IPI handler runs
 *     smp_mb() on c before it aborts an in-flight section; the affinity
 *     fence runs R on c itself, after a context switch (a full barrier).
 *     Either way every store c committed before the fence is visible to R
 *     when the fence returns, and any section that starts on c afterwards
 *     sees stopped = 1. So the stacks' commits are plain str: the entry a
 *     push writes above top is read by a later section on c (same CPU) or
 *     by R after a fence, never by an unsynchronised reader.
 *
 *   - The primitives' commits that publish (cmp_store2, cmp_copy,
 *     ec_commit): STORE-RELEASE (stlr). These rows are read by other CPUs
 *     without any fence (a counter sum, a reader of the copied record),
 *     and their contract (percpu_primitives.h) is that word2, the copied
 *     bytes, or what the caller wrote before an event-count commit, hold
 *     for a reader that sees the committed word. On x86 a plain mov gives
 *     that; here stlr orders the try store / the copy / the caller's
 *     earlier stores before the commit. The reader must load the word with
 *     acquire (as on x86 it must not reorder either). add and ec_begin
 *     publish nothing but their own word and commit with a plain str. The
 *     fallback forms (percpu_primitives.h) use C11 release stores alike.
 *
 *   - rseq_cs and cpu_id: written and read by this thread and the kernel
 *     on its behalf on the same CPU; program order suffices.
 *
 * Include through percpu_arch.h only.
 */
#ifndef PERCPU_ARCH_AARCH64_H
#define PERCPU_ARCH_AARCH64_H

/*
 * The signature. The kernel compares the 4 bytes before abort_ip, read as
 * data, with the value registered; the asm emits it as an instruction word,
 * which arm64 always stores little-endian. So the registered value is that
 * word in data byte order: swapped on a big-endian (-mbig-endian) build.
 */
#define PERCPU_RSEQ_SIG_INSN 0xd428bc00 /* brk #0x45e0 */
#ifdef __AARCH64EB__
#define PERCPU_RSEQ_SIG 0x00bc28d4
#else
#define PERCPU_RSEQ_SIG PERCPU_RSEQ_SIG_INSN
#endif

/*
 * The spin-wait hint. yield is a no-op on most arm64 cores; isb drains the
 * pipeline, a short pause like x86's pause, which is what a spin on a lock
 * word wants.
 */
#define PERCPU_CPU_RELAX() __asm__ __volatile__("isb" ::: "memory")

/*
 * No vector clones: Advanced SIMD is part of the arm64 baseline, so -O3
 * vectorizes the address loops without them (and gcc 12 has no
 * target_clones for aarch64).
 */
#define PERCPU_VECTORIZED

/*
 * The CPU a fallback-mode operation locks the stripe of. arm64 has no vDSO
 * getcpu, so sched_getcpu() would be a system call per operation. Instead:
 * rseq's cpu_id when the thread has a working registration (fallback mode
 * is also used by threads of pools that chose it), else a stripe derived
 * from the thread pointer: fixed per thread, spread by a multiplicative
 * hash, and never a system call after the thread's first operation (which
 * may try to register percpu's own area, percpu_rseq.h). Two threads may
 * share a stripe; the stripe's lock keeps that correct, at the price of
 * some contention.
 */
static inline int percpu_fb_cpu(void)
{
    int32_t cpu = (int32_t) __atomic_load_n(&percpu_rseq_area()->cpu_id, __ATOMIC_RELAXED);
    if (cpu >= 0)
        return cpu;
    uint64_t thread = (uint64_t) (uintptr_t) __builtin_thread_pointer();
    return (int) ((thread * 0x9e3779b97f4a7c15ull) >> 33);
}

#ifdef PERCPU_INJECT
/* Record that the section reached point n, then spin delay[n] times. */
#define PERCPU_INJECT_AT(n)                                                           \
    "mov w15, #" #n "\n\t"                  /* w15 = n */                             \
    "str w15, [%[inj_point]]\n\t"           /* inj_point = n */                       \
    "ldr w15, [%[inj_delay], #" #n "*%c[inj_size]]\n\t" /* w15 = delay[n] */          \
    "7" #n ":\n\t"                                                                    \
    "subs w15, w15, #1\n\t"                 /* w15 -= 1 */                            \
    "b.pl 7" #n "b\n\t"                     /* loop until it goes negative */
#define PERCPU_INJECT_CLOBBERS , "x15"
#else
#define PERCPU_INJECT_AT(n)
#define PERCPU_INJECT_CLOBBERS
#endif

/*
 * The signature as the abort handler emits it: an instruction word (.inst),
 * always little-endian, whatever the data byte order.
 */
#define PERCPU_RSEQ_SIG_ASM PERCPU_RSEQ_SIG_INSN

/*
 * The fragments every section is assembled from (percpu_sections.h). The
 * offsets they and the bodies take as operands are multiples of their
 * access sizes, as the scaled unsigned offsets of ldr/str need.
 *
 * Arm: from the next instruction on, the kernel restarts us at abort_ip.
 * Uses x9: every section lists "x9" among its clobbers.
 */
#define PERCPU_CS_ARM                                                                 \
    "adrp x9, 3b\n\t"                       /* x9 = 4 KiB page of &descriptor */      \
    "add x9, x9, :lo12:3b\n\t"              /* x9 = &descriptor */                    \
    "str x9, [%[rs], #%c[rs_rseq_cs]]\n\t"  /* rs->rseq_cs = x9 */

/* The force-abort test hook, right after the CPU check. Uses x10. */
#define PERCPU_CS_FORCE_ABORT_CHECK                                                   \
    "adrp x10, percpu_force_abort\n\t"      /* x10 = page of percpu_force_abort */    \
    "ldr w10, [x10, :lo12:percpu_force_abort]\n\t" /* w10 = percpu_force_abort */     \
    "cbnz w10, 4f\n\t"                      /* test hook set: take the abort path */

/* start_ip, the CPU check and the test hook. Uses x10. */
#define PERCPU_CS_CHECK_CPU                                                           \
    "1:\n\t"                                /* start_ip */                            \
    "ldr w10, [%[rs], #%c[rs_cpu_id]]\n\t"  /* w10 = rs->cpu_id */                    \
    "cmp w10, %w[cpu]\n\t"                  /* rs->cpu_id == cpu ? */                 \
    "b.ne 4f\n\t"                           /* no: migrated, restart */               \
    PERCPU_CS_FORCE_ABORT_CHECK

/* ec_commit's start: off the ticket's CPU is a definitive failure, not a restart. Uses x10. */
#define PERCPU_CS_CHECK_TICKET_CPU                                                    \
    "1:\n\t"                                /* start_ip */                            \
    "ldr w10, [%[rs], #%c[rs_cpu_id]]\n\t"  /* w10 = rs->cpu_id */                    \
    "cmp w10, %w[cpu]\n\t"                  /* rs->cpu_id == ticket's cpu ? */        \
    "b.ne %l[notoncpu]\n\t"                 /* no: a definitive failure, not a restart */ \
    PERCPU_CS_FORCE_ABORT_CHECK

/*
 * The stopped word of the stack sections, after the CPU check,
 * load-acquired (the ordering argument above). ldar takes no offset, so
 * x11 gets the word's address first.
 */
#define PERCPU_CS_CHECK_STOPPED                                                       \
    "add x11, %[hdr], #%c[hdr_stopped]\n\t" /* x11 = &hdr->stopped */                 \
    "ldar w11, [x11]\n\t"                   /* w11 = hdr->stopped, load-acquire */    \
    "cbnz w11, %l[stopped]\n\t"             /* != 0: a remote owner has it */

/*
 * The abort handler, out of line in __rseq_failure: the signature as the
 * instruction word right before abort_ip (the kernel checks it there), then
 * the branch back to the C retry loop.
 */
#define PERCPU_CS_ABORT                                                               \
    ".pushsection __rseq_failure, \"ax\"\n\t"                                         \
    ".balign 4\n\t"                                                                   \
    ".inst %c[sig]\n\t"                     /* signature: brk #0x45e0 */              \
    "4:\n\t"                                /* abort_ip */                            \
    "b %l[aborted]\n\t"                     /* back to the C retry loop */            \
    ".popsection\n\t"

/*
 * The section bodies: from after the checks to the committing store, each
 * step of its section's pseudo-code (percpu_sections.h) in order; the
 * clobbers are the arm's x9, the CPU check's x10, the stopped check's x11
 * (stack sections) and the body's scratch registers.
 */

/* pop (percpu_sections.h) */
#define PERCPU_CS_POP_ASM                                                             \
    "ldr w12, [%[hdr], #%c[hdr_top]]\n\t"         /* w12 = top */                     \
    "cbz w12, %l[empty]\n\t"                      /* top == 0: nothing to pop */      \
    PERCPU_INJECT_AT(1)                                                               \
    "sub w12, w12, #1\n\t"                        /* w12 = top - 1 */                 \
    "ldr x13, [%[hdr], #%c[hdr_slots]]\n\t"       /* x13 = hdr->slots */              \
    "ldr w14, [x13, w12, uxtw #2]\n\t"            /* w14 = slots[top - 1] */          \
    "str w14, [%[out]]\n\t"                       /* *out = w14 (caller-private) */   \
    "ldr x13, [%[hdr], #%c[hdr_pops]]\n\t"        /* x13 = hdr->pops */               \
    "add x13, x13, #1\n\t"                        /* x13 += 1 */                      \
    "str x13, [%[hdr], #%c[hdr_pops]]\n\t"        /* hdr->pops = x13 */               \
    PERCPU_INJECT_AT(2)                                                               \
    "str w12, [%[hdr], #%c[hdr_top]]\n\t"         /* commit: top = top - 1 */
#define PERCPU_CS_POP_CLOBBERS "x9", "x10", "x11", "x12", "x13", "x14"

/* push (percpu_sections.h) */
#define PERCPU_CS_PUSH_ASM                                                            \
    "ldr w12, [%[hdr], #%c[hdr_top]]\n\t"         /* w12 = top */                     \
    "ldr w13, [%[hdr], #%c[hdr_capacity]]\n\t"    /* w13 = capacity */                \
    "cmp w12, w13\n\t"                            /* top >= capacity ? */             \
    "b.hs %l[full]\n\t"                           /* yes: no room */                  \
    PERCPU_INJECT_AT(1)                                                               \
    "ldr x13, [%[hdr], #%c[hdr_slots]]\n\t"       /* x13 = hdr->slots */              \
    "str %w[index], [x13, w12, uxtw #2]\n\t"      /* slots[top] = index (above top: invisible) */ \
    "ldr x14, [%[hdr], #%c[hdr_pushes]]\n\t"      /* x14 = hdr->pushes */             \
    "add x14, x14, #1\n\t"                        /* x14 += 1 */                      \
    "str x14, [%[hdr], #%c[hdr_pushes]]\n\t"      /* hdr->pushes = x14 */             \
    "add w12, w12, #1\n\t"                        /* w12 = top + 1 */                 \
    PERCPU_INJECT_AT(2)                                                               \
    "str w12, [%[hdr], #%c[hdr_top]]\n\t"         /* commit: top = top + 1 */
#define PERCPU_CS_PUSH_CLOBBERS "x9", "x10", "x11", "x12", "x13", "x14"

/* pop_batch (percpu_sections.h) */
#define PERCPU_CS_POP_BATCH_ASM                                                       \
    "ldr w12, [%[hdr], #%c[hdr_top]]\n\t"         /* w12 = top */                     \
    "cmp %w[n], w12\n\t"                          /* n > top ? */                     \
    "csel w13, w12, %w[n], hi\n\t"                /* w13 = k = n > top ? top : n */   \
    "cbz w13, %l[empty]\n\t"                      /* k == 0: nothing to pop */        \
    "sub w14, w12, w13\n\t"                       /* w14 = top - k, the new top */    \
    "ldr x9, [%[hdr], #%c[hdr_slots]]\n\t"        /* x9 = hdr->slots */               \
    "add x9, x9, w14, uxtw #2\n\t"                /* x9 = &slots[top - k] */          \
    "mov x10, #0\n\t"                             /* x10 = i = 0 */                   \
    "5:\n\t"                                                                          \
    PERCPU_INJECT_AT(3)                                                               \
    "ldr w11, [x9, x10, lsl #2]\n\t"              /* w11 = slots[top - k + i] */      \
    "str w11, [%[out], x10, lsl #2]\n\t"          /* out[i] = w11 (caller-private) */ \
    "add x10, x10, #1\n\t"                        /* i += 1 */                        \
    "cmp x10, x13\n\t"                            /* i < k ? (x13 = k, zero-extended) */ \
    "b.lo 5b\n\t"                                 /* yes: copy the next one */        \
    PERCPU_INJECT_AT(1)                                                               \
    "str w13, [%[count]]\n\t"                     /* *count = k (caller-private) */   \
    "ldr x11, [%[hdr], #%c[hdr_pops]]\n\t"        /* x11 = hdr->pops */               \
    "add x11, x11, x13\n\t"                       /* x11 += k */                      \
    "str x11, [%[hdr], #%c[hdr_pops]]\n\t"        /* hdr->pops = x11 */               \
    PERCPU_INJECT_AT(2)                                                               \
    "str w14, [%[hdr], #%c[hdr_top]]\n\t"         /* commit: top = top - k */
#define PERCPU_CS_POP_BATCH_CLOBBERS "x9", "x10", "x11", "x12", "x13", "x14"

/* push_batch (percpu_sections.h) */
#define PERCPU_CS_PUSH_BATCH_ASM                                                      \
    "ldr w12, [%[hdr], #%c[hdr_top]]\n\t"         /* w12 = top */                     \
    "ldr w13, [%[hdr], #%c[hdr_capacity]]\n\t"    /* w13 = capacity */                \
    "cmp w13, w12\n\t"                            /* capacity <= top ? */             \
    "b.ls %l[full]\n\t"                           /* yes: no room */                  \
    "sub w13, w13, w12\n\t"                       /* w13 = room = capacity - top */   \
    "cmp w13, %w[n]\n\t"                          /* room > n ? */                    \
    "csel w13, %w[n], w13, hi\n\t"                /* w13 = k = room > n ? n : room */ \
    "ldr x9, [%[hdr], #%c[hdr_slots]]\n\t"        /* x9 = hdr->slots */               \
    "add x9, x9, w12, uxtw #2\n\t"                /* x9 = &slots[top] */              \
    "mov x10, #0\n\t"                             /* x10 = i = 0 */                   \
    "5:\n\t"                                                                          \
    PERCPU_INJECT_AT(3)                                                               \
    "ldr w11, [%[in], x10, lsl #2]\n\t"           /* w11 = in[i] */                   \
    "str w11, [x9, x10, lsl #2]\n\t"              /* slots[top + i] = w11 (above top: invisible) */ \
    "add x10, x10, #1\n\t"                        /* i += 1 */                        \
    "cmp x10, x13\n\t"                            /* i < k ? (x13 = k, zero-extended) */ \
    "b.lo 5b\n\t"                                 /* yes: copy the next one */        \
    PERCPU_INJECT_AT(1)                                                               \
    "str w13, [%[count]]\n\t"                     /* *count = k (caller-private) */   \
    "ldr x11, [%[hdr], #%c[hdr_pushes]]\n\t"      /* x11 = hdr->pushes */             \
    "add x11, x11, x13\n\t"                       /* x11 += k */                      \
    "str x11, [%[hdr], #%c[hdr_pushes]]\n\t"      /* hdr->pushes = x11 */             \
    "add w12, w12, w13\n\t"                       /* w12 = top + k */                 \
    PERCPU_INJECT_AT(2)                                                               \
    "str w12, [%[hdr], #%c[hdr_top]]\n\t"         /* commit: top = top + k */
#define PERCPU_CS_PUSH_BATCH_CLOBBERS "x9", "x10", "x11", "x12", "x13"

/* add (percpu_sections.h); publishes nothing but its own word: plain str */
#define PERCPU_CS_ADD_ASM                                                             \
    "ldr x12, [%[word]]\n\t"                      /* x12 = *word */                   \
    PERCPU_INJECT_AT(1)                                                               \
    "add x12, x12, %[delta]\n\t"                  /* x12 += delta */                  \
    "str x12, [%[word]]\n\t"                      /* commit: *word = x12 */
#define PERCPU_CS_ADD_CLOBBERS "x9", "x10", "x12"

/* cmp_store2 (percpu_sections.h); the commit store-releases word2 */
#define PERCPU_CS_CMP_STORE2_ASM                                                      \
    "ldr x12, [%[word]]\n\t"                      /* x12 = *word */                   \
    "cmp x12, %[expect]\n\t"                      /* *word == expect ? */             \
    "b.ne %l[cmpfail]\n\t"                        /* no: compare failed, nothing written */ \
    "str %[value2], [%[word2]]\n\t"               /* try store: *word2 = value2 */    \
    PERCPU_INJECT_AT(1)                                                               \
    "stlr %[newv], [%[word]]\n\t"                 /* commit: *word = newv, store-release */
#define PERCPU_CS_CMP_STORE2_CLOBBERS "x9", "x10", "x12"

/* cmp_copy (percpu_sections.h); the commit store-releases the copy */
#define PERCPU_CS_CMP_COPY_ASM                                                        \
    "ldr x12, [%[word]]\n\t"                      /* x12 = *word */                   \
    "cmp x12, %[expect]\n\t"                      /* *word == expect ? */             \
    "b.ne %l[cmpfail]\n\t"                        /* no: compare failed, nothing written */ \
    "mov x10, #0\n\t"                             /* x10 = i = 0 */                   \
    "b 6f\n\t"                                    /* enter the copy loop at its test */ \
    "5:\n\t"                                                                          \
    PERCPU_INJECT_AT(3)                                                               \
    "ldrb w11, [%[src], x10]\n\t"                 /* w11 = src[i] */                  \
    "strb w11, [%[dst], x10]\n\t"                 /* dst[i] = w11 */                  \
    "add x10, x10, #1\n\t"                        /* i += 1 */                        \
    "6:\n\t"                                                                          \
    "cmp x10, %[len]\n\t"                         /* i < len ? */                     \
    "b.lo 5b\n\t"                                 /* yes: copy the next byte */       \
    PERCPU_INJECT_AT(1)                                                               \
    "stlr %[newv], [%[word]]\n\t"                 /* commit: *word = newv, store-release */
#define PERCPU_CS_CMP_COPY_CLOBBERS "x9", "x10", "x11", "x12"

/* ec_begin (percpu_sections.h); publishes nothing but its own word: plain str */
#define PERCPU_CS_EC_BEGIN_ASM                                                        \
    "ldr x12, [%[counter]]\n\t"                   /* x12 = *counter */                \
    "add x12, x12, #1\n\t"                        /* x12 += 1 */                      \
    "and x12, x12, %[mask]\n\t"                   /* x12 &= 2^48 - 1 */               \
    "str x12, [%[seq_out]]\n\t"                   /* *seq_out = x12 (caller-private) */ \
    PERCPU_INJECT_AT(1)                                                               \
    "str x12, [%[counter]]\n\t"                   /* commit: *counter = x12 */
#define PERCPU_CS_EC_BEGIN_CLOBBERS "x9", "x10", "x12"

/* ec_commit (percpu_sections.h); the commit store-releases what the caller wrote before it */
#define PERCPU_CS_EC_COMMIT_ASM                                                       \
    "ldr x12, [%[counter]]\n\t"                   /* x12 = *counter */                \
    "cmp x12, %[seq]\n\t"                         /* *counter == seq ? */             \
    "b.ne %l[cmpfail]\n\t"                        /* no: a begin() ran on this CPU since */ \
    PERCPU_INJECT_AT(1)                                                               \
    "stlr %[value], [%[target]]\n\t"              /* commit: *target = value, store-release */
#define PERCPU_CS_EC_COMMIT_CLOBBERS "x9", "x10", "x12"

#endif
