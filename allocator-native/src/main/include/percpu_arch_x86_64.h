/*
 * percpu_arch_x86_64.h - everything percpu writes for x86-64 alone: the
 * instructions of the rseq sections (the fragments every section shares,
 * and each section's body and clobbers), their delay-injection hooks, the
 * signature, the spin-wait hint, the vector clones and the fallback
 * stripe. The contract it fulfils is told in percpu_arch.h; each
 * section's pseudo-code, C signature and outcomes, and the labels every
 * section uses, once for every architecture in percpu_sections.h.
 *
 * Memory ordering. x86-64 is TSO: loads are not reordered with older
 * loads, stores not with older stores, and a plain mov is a release store
 * and an acquire load. So the sections use plain movs and no fence, and
 * the remote protocol (percpu_remote.h) needs nothing more from them: a
 * remote owner that read stopped back as 0 after the fence sees every
 * store the sections committed before, in order.
 *
 * Scratch registers: rax (the arm) and the ones each body uses, listed
 * together in its PERCPU_CS_<NAME>_CLOBBERS; r8 in PERCPU_INJECT builds.
 *
 * Include through percpu_arch.h only.
 */
#ifndef PERCPU_ARCH_X86_64_H
#define PERCPU_ARCH_X86_64_H

#include <sched.h>

/* The signature the kernel checks in the 4 bytes before every abort_ip. */
#define PERCPU_RSEQ_SIG 0x53053053

/* The spin-wait hint: pause. */
#define PERCPU_CPU_RELAX() __builtin_ia32_pause()

/*
 * The per-slot arithmetic of percpu_address_batch.h: target_clones builds
 * an AVX2 copy beside the baseline x86-64 one and picks one when the
 * library is loaded (an ifunc).
 */
#define PERCPU_VECTORIZED __attribute__((target_clones("avx2", "default")))

/*
 * The CPU a fallback-mode operation locks the stripe of: sched_getcpu(),
 * which glibc answers from its rseq area or the vDSO, without a system call.
 */
static inline int percpu_fb_cpu(void)
{
    return sched_getcpu();
}

#ifdef PERCPU_INJECT
/* Record that the section reached point n, then spin delay[n] times. */
#define PERCPU_INJECT_AT(n)                                                           \
    "movl $" #n ", (%[inj_point])\n\t"      /* inj_point = n */                       \
    "movl " #n "*%c[inj_size](%[inj_delay]), %%r8d\n\t" /* r8d = delay[n] */          \
    "7" #n ":\n\t"                                                                    \
    "subl $1, %%r8d\n\t"                    /* r8d -= 1 */                            \
    "jns 7" #n "b\n\t"                      /* loop until it goes negative */
#define PERCPU_INJECT_CLOBBERS , "r8"
#else
#define PERCPU_INJECT_AT(n)
#define PERCPU_INJECT_CLOBBERS
#endif

/* The signature as the abort handler emits it: a .long, in data byte order. */
#define PERCPU_RSEQ_SIG_ASM PERCPU_RSEQ_SIG

/*
 * The fragments every section is assembled from (percpu_sections.h).
 *
 * Arm: from the next instruction on, the kernel restarts us at abort_ip.
 * Uses rax: every section lists "rax" among its clobbers.
 */
#define PERCPU_CS_ARM                                                                 \
    "leaq 3b(%%rip), %%rax\n\t"             /* rax = &descriptor */                   \
    "movq %%rax, %c[rs_rseq_cs](%[rs])\n\t" /* rs->rseq_cs = rax */

/* The force-abort test hook, right after the CPU check. */
#define PERCPU_CS_FORCE_ABORT_CHECK                                                   \
    "cmpl $0, percpu_force_abort(%%rip)\n\t" /* test hook set? */                     \
    "jnz 4f\n\t"                            /* yes: take the abort path */

/* start_ip, the CPU check and the test hook. */
#define PERCPU_CS_CHECK_CPU                                                           \
    "1:\n\t"                                /* start_ip */                            \
    "cmpl %[cpu], %c[rs_cpu_id](%[rs])\n\t" /* rs->cpu_id == cpu ? */                 \
    "jnz 4f\n\t"                            /* no: migrated, restart */               \
    PERCPU_CS_FORCE_ABORT_CHECK

/* ec_commit's start: off the ticket's CPU is a definitive failure, not a restart. */
#define PERCPU_CS_CHECK_TICKET_CPU                                                    \
    "1:\n\t"                                /* start_ip */                            \
    "cmpl %[cpu], %c[rs_cpu_id](%[rs])\n\t" /* rs->cpu_id == ticket's cpu ? */        \
    "jnz %l[notoncpu]\n\t"                  /* no: a definitive failure, not a restart */ \
    PERCPU_CS_FORCE_ABORT_CHECK

/* The stopped word of the stack sections, after the CPU check. */
#define PERCPU_CS_CHECK_STOPPED                                                       \
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

/*
 * The section bodies: from after the checks to the committing store, each
 * step of its section's pseudo-code (percpu_sections.h) in order; the
 * clobbers are the arm's rax and the body's scratch registers.
 */

/* pop (percpu_sections.h) */
#define PERCPU_CS_POP_ASM                                                             \
    "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */                     \
    "testl %%ecx, %%ecx\n\t"                      /* top == 0 ? */                    \
    "jz %l[empty]\n\t"                            /* yes: nothing to pop */           \
    PERCPU_INJECT_AT(1)                                                               \
    "subl $1, %%ecx\n\t"                          /* ecx = top - 1 */                 \
    "movq %c[hdr_slots](%[hdr]), %%rdx\n\t"       /* rdx = hdr->slots */              \
    "movl (%%rdx, %%rcx, 4), %%eax\n\t"           /* eax = slots[top - 1] */          \
    "movl %%eax, (%[out])\n\t"                    /* *out = eax (caller-private) */   \
    "addq $1, %c[hdr_pops](%[hdr])\n\t"           /* hdr->pops += 1 */                \
    PERCPU_INJECT_AT(2)                                                               \
    "movl %%ecx, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top - 1 */
#define PERCPU_CS_POP_CLOBBERS "rax", "rcx", "rdx"

/* push (percpu_sections.h) */
#define PERCPU_CS_PUSH_ASM                                                            \
    "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */                     \
    "cmpl %c[hdr_capacity](%[hdr]), %%ecx\n\t"    /* top >= capacity ? */             \
    "jae %l[full]\n\t"                            /* yes: no room */                  \
    PERCPU_INJECT_AT(1)                                                               \
    "movq %c[hdr_slots](%[hdr]), %%rdx\n\t"       /* rdx = hdr->slots */              \
    "movl %[index], (%%rdx, %%rcx, 4)\n\t"        /* slots[top] = index (above top: invisible) */ \
    "addq $1, %c[hdr_pushes](%[hdr])\n\t"         /* hdr->pushes += 1 */              \
    "addl $1, %%ecx\n\t"                          /* ecx = top + 1 */                 \
    PERCPU_INJECT_AT(2)                                                               \
    "movl %%ecx, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top + 1 */
#define PERCPU_CS_PUSH_CLOBBERS "rax", "rcx", "rdx"

/* pop_batch (percpu_sections.h) */
#define PERCPU_CS_POP_BATCH_ASM                                                       \
    "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */                     \
    "movl %[n], %%edx\n\t"                        /* edx = n */                       \
    "cmpl %%ecx, %%edx\n\t"                       /* n > top ? */                     \
    "cmova %%ecx, %%edx\n\t"                      /* then edx = top: edx = k = min(n, top) */ \
    "testl %%edx, %%edx\n\t"                      /* k == 0 ? */                      \
    "jz %l[empty]\n\t"                            /* yes: nothing to pop */           \
    "movl %%ecx, %%eax\n\t"                       /* eax = top */                     \
    "subl %%edx, %%eax\n\t"                       /* eax = top - k, the new top */    \
    "movq %c[hdr_slots](%[hdr]), %%rsi\n\t"       /* rsi = hdr->slots */              \
    "leaq (%%rsi, %%rax, 4), %%rsi\n\t"           /* rsi = &slots[top - k] */         \
    "xorl %%r9d, %%r9d\n\t"                       /* r9 = i = 0 */                    \
    "5:\n\t"                                                                          \
    PERCPU_INJECT_AT(3)                                                               \
    "movl (%%rsi, %%r9, 4), %%r10d\n\t"           /* r10d = slots[top - k + i] */     \
    "movl %%r10d, (%[out], %%r9, 4)\n\t"          /* out[i] = r10d (caller-private) */ \
    "addq $1, %%r9\n\t"                           /* i += 1 */                        \
    "cmpq %%rdx, %%r9\n\t"                        /* i < k ? */                       \
    "jb 5b\n\t"                                   /* yes: copy the next one */        \
    PERCPU_INJECT_AT(1)                                                               \
    "movl %%edx, (%[count])\n\t"                  /* *count = k (caller-private) */   \
    "addq %%rdx, %c[hdr_pops](%[hdr])\n\t"        /* hdr->pops += k */                \
    PERCPU_INJECT_AT(2)                                                               \
    "movl %%eax, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top - k */
#define PERCPU_CS_POP_BATCH_CLOBBERS "rax", "rcx", "rdx", "rsi", "r9", "r10"

/* push_batch (percpu_sections.h) */
#define PERCPU_CS_PUSH_BATCH_ASM                                                      \
    "movl %c[hdr_top](%[hdr]), %%ecx\n\t"         /* ecx = top */                     \
    "movl %c[hdr_capacity](%[hdr]), %%edx\n\t"    /* edx = capacity */                \
    "cmpl %%ecx, %%edx\n\t"                       /* capacity <= top ? */             \
    "jbe %l[full]\n\t"                            /* yes: no room */                  \
    "subl %%ecx, %%edx\n\t"                       /* edx = room = capacity - top */   \
    "cmpl %[n], %%edx\n\t"                        /* room > n ? */                    \
    "cmova %[n], %%edx\n\t"                       /* then edx = n: edx = k = min(n, room) */ \
    "movq %c[hdr_slots](%[hdr]), %%rsi\n\t"       /* rsi = hdr->slots */              \
    "leaq (%%rsi, %%rcx, 4), %%rsi\n\t"           /* rsi = &slots[top] */             \
    "xorl %%r9d, %%r9d\n\t"                       /* r9 = i = 0 */                    \
    "5:\n\t"                                                                          \
    PERCPU_INJECT_AT(3)                                                               \
    "movl (%[in], %%r9, 4), %%r10d\n\t"           /* r10d = in[i] */                  \
    "movl %%r10d, (%%rsi, %%r9, 4)\n\t"           /* slots[top + i] = r10d (above top: invisible) */ \
    "addq $1, %%r9\n\t"                           /* i += 1 */                        \
    "cmpq %%rdx, %%r9\n\t"                        /* i < k ? */                       \
    "jb 5b\n\t"                                   /* yes: copy the next one */        \
    PERCPU_INJECT_AT(1)                                                               \
    "movl %%edx, (%[count])\n\t"                  /* *count = k (caller-private) */   \
    "addq %%rdx, %c[hdr_pushes](%[hdr])\n\t"      /* hdr->pushes += k */              \
    "addl %%edx, %%ecx\n\t"                       /* ecx = top + k */                 \
    PERCPU_INJECT_AT(2)                                                               \
    "movl %%ecx, %c[hdr_top](%[hdr])\n\t"         /* commit: top = top + k */
#define PERCPU_CS_PUSH_BATCH_CLOBBERS "rax", "rcx", "rdx", "rsi", "r9", "r10"

/* add (percpu_sections.h) */
#define PERCPU_CS_ADD_ASM                                                             \
    "movq (%[word]), %%rax\n\t"                   /* rax = *word */                   \
    PERCPU_INJECT_AT(1)                                                               \
    "addq %[delta], %%rax\n\t"                    /* rax += delta */                  \
    "movq %%rax, (%[word])\n\t"                   /* commit: *word = rax */
#define PERCPU_CS_ADD_CLOBBERS "rax"

/* cmp_store2 (percpu_sections.h) */
#define PERCPU_CS_CMP_STORE2_ASM                                                      \
    "cmpq %[expect], (%[word])\n\t"               /* *word == expect ? */             \
    "jnz %l[cmpfail]\n\t"                         /* no: compare failed, nothing written */ \
    "movq %[value2], (%[word2])\n\t"              /* try store: *word2 = value2 */    \
    PERCPU_INJECT_AT(1)                                                               \
    "movq %[newv], (%[word])\n\t"                 /* commit: *word = newv */
#define PERCPU_CS_CMP_STORE2_CLOBBERS "rax"

/* cmp_copy (percpu_sections.h) */
#define PERCPU_CS_CMP_COPY_ASM                                                        \
    "cmpq %[expect], (%[word])\n\t"               /* *word == expect ? */             \
    "jnz %l[cmpfail]\n\t"                         /* no: compare failed, nothing written */ \
    "xorl %%ecx, %%ecx\n\t"                       /* rcx = i = 0 */                   \
    "jmp 6f\n\t"                                  /* enter the copy loop at its test */ \
    "5:\n\t"                                                                          \
    PERCPU_INJECT_AT(3)                                                               \
    "movzbl (%[src], %%rcx), %%eax\n\t"           /* eax = src[i] */                  \
    "movb %%al, (%[dst], %%rcx)\n\t"              /* dst[i] = al */                   \
    "addq $1, %%rcx\n\t"                          /* i += 1 */                        \
    "6:\n\t"                                                                          \
    "cmpq %[len], %%rcx\n\t"                      /* i < len ? */                     \
    "jb 5b\n\t"                                   /* yes: copy the next byte */       \
    PERCPU_INJECT_AT(1)                                                               \
    "movq %[newv], (%[word])\n\t"                 /* commit: *word = newv */
#define PERCPU_CS_CMP_COPY_CLOBBERS "rax", "rcx"

/* ec_begin (percpu_sections.h) */
#define PERCPU_CS_EC_BEGIN_ASM                                                        \
    "movq (%[counter]), %%rax\n\t"                /* rax = *counter */                \
    "addq $1, %%rax\n\t"                          /* rax += 1 */                      \
    "andq %[mask], %%rax\n\t"                     /* rax &= 2^48 - 1 */               \
    "movq %%rax, (%[seq_out])\n\t"                /* *seq_out = rax (caller-private) */ \
    PERCPU_INJECT_AT(1)                                                               \
    "movq %%rax, (%[counter])\n\t"                /* commit: *counter = rax */
#define PERCPU_CS_EC_BEGIN_CLOBBERS "rax"

/* ec_commit (percpu_sections.h) */
#define PERCPU_CS_EC_COMMIT_ASM                                                       \
    "cmpq %[seq], (%[counter])\n\t"               /* *counter == seq ? */             \
    "jnz %l[cmpfail]\n\t"                         /* no: a begin() ran on this CPU since */ \
    PERCPU_INJECT_AT(1)                                                               \
    "movq %[value], (%[target])\n\t"              /* commit: *target = value */
#define PERCPU_CS_EC_COMMIT_CLOBBERS "rax"

#endif
