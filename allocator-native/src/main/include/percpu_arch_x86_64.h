/*
 * percpu_arch_x86_64.h - everything percpu writes for x86-64 alone: the
 * rseq sections of the stacks and the primitives, their delay-injection
 * hooks, the signature, the spin-wait hint, the vector clones and the
 * fallback stripe. The contract it fulfils, and the shape every section
 * has, are told in percpu_arch.h; what each operation does, in
 * percpu_stack_ops.h and percpu_primitives.h.
 *
 * Memory ordering. x86-64 is TSO: loads are not reordered with older
 * loads, stores not with older stores, and a plain mov is a release store
 * and an acquire load. So the sections use plain movs and no fence, and
 * the remote protocol (percpu_remote.h) needs nothing more from them: a
 * remote owner that read stopped back as 0 after the fence sees every
 * store the sections committed before, in order.
 *
 * A section on x86-64 (labels local to each asm statement):
 *   1: start_ip, 2: post_commit (right after the committing store),
 *   3: the descriptor in __rseq_cs, 4: abort_ip in __rseq_failure,
 *   5/6: loop labels, 7n: the delay loop of injection point n.
 * Scratch: rax (arm) and the registers each section lists; r8 in
 * PERCPU_INJECT builds.
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

/* The offsets (percpu_arch.h) and the signature, as the sections' "i" operands. */
#define PERCPU_CS_RSEQ_OPERANDS PERCPU_CS_RSEQ_OFFSETS, [sig] "i"(PERCPU_RSEQ_SIG)

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
        PERCPU_INJECT_AT(3)
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
        PERCPU_INJECT_AT(3)
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

/* *word += delta on the current CPU's row. */
static inline __attribute__((always_inline)) int
percpu_cs_add(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *word, int64_t delta)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        "movq (%[word]), %%rax\n\t"                   /* rax = *word */
        PERCPU_INJECT_AT(1)
        "addq %[delta], %%rax\n\t"                    /* rax += delta */
        "movq %%rax, (%[word])\n\t"                   /* commit: *word = rax */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [word] "r"(word), [delta] "r"(delta),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : aborted);
    return PERCPU_CS_COMMITTED;
aborted:
    return PERCPU_CS_ABORTED;
}

/* if (*word == expect) { *word2 = value2; *word = newv; } (percpu_primitives.h) */
static inline __attribute__((always_inline)) int
percpu_cs_cmp_store2(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *word, uint64_t expect, uint64_t newv,
                     uint64_t *word2, uint64_t value2)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        "cmpq %[expect], (%[word])\n\t"               /* *word == expect ? */
        "jnz %l[cmpfail]\n\t"                         /* no: compare failed, nothing written */
        "movq %[value2], (%[word2])\n\t"              /* try store: *word2 = value2 */
        PERCPU_INJECT_AT(1)
        "movq %[newv], (%[word])\n\t"                 /* commit: *word = newv */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [word] "r"(word), [expect] "r"(expect), [newv] "r"(newv),
          [word2] "r"(word2), [value2] "r"(value2),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : cmpfail, aborted);
    return PERCPU_CS_COMMITTED;
cmpfail:
    return PERCPU_CS_COMPARE_FAILED;
aborted:
    return PERCPU_CS_ABORTED;
}

/* if (*word == expect) { memcpy(dst, src, len); *word = newv; } (percpu_primitives.h) */
static inline __attribute__((always_inline)) int
percpu_cs_cmp_copy(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *word, uint64_t expect, uint64_t newv,
                   uint8_t *dst, const uint8_t *src, uint64_t len)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        "cmpq %[expect], (%[word])\n\t"               /* *word == expect ? */
        "jnz %l[cmpfail]\n\t"                         /* no: compare failed, nothing written */
        "xorl %%ecx, %%ecx\n\t"                       /* rcx = i = 0 */
        "jmp 6f\n\t"                                  /* enter the copy loop at its test */
        "5:\n\t"
        PERCPU_INJECT_AT(3)
        "movzbl (%[src], %%rcx), %%eax\n\t"           /* eax = src[i] */
        "movb %%al, (%[dst], %%rcx)\n\t"              /* dst[i] = al */
        "addq $1, %%rcx\n\t"                          /* i += 1 */
        "6:\n\t"
        "cmpq %[len], %%rcx\n\t"                      /* i < len ? */
        "jb 5b\n\t"                                   /* yes: copy the next byte */
        PERCPU_INJECT_AT(1)
        "movq %[newv], (%[word])\n\t"                 /* commit: *word = newv */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [word] "r"(word), [expect] "r"(expect), [newv] "r"(newv),
          [dst] "r"(dst), [src] "r"(src), [len] "r"(len),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "rcx", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : cmpfail, aborted);
    return PERCPU_CS_COMMITTED;
cmpfail:
    return PERCPU_CS_COMPARE_FAILED;
aborted:
    return PERCPU_CS_ABORTED;
}

/* Event-count begin: *counter = (*counter + 1) mod 2^48, the new value to *seq_out. */
static inline __attribute__((always_inline)) int
percpu_cs_ec_begin(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *counter, uint64_t *seq_out)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        PERCPU_CS_CHECK_CPU
        "movq (%[counter]), %%rax\n\t"                /* rax = *counter */
        "addq $1, %%rax\n\t"                          /* rax += 1 */
        "andq %[mask], %%rax\n\t"                     /* rax &= 2^48 - 1 */
        "movq %%rax, (%[seq_out])\n\t"                /* *seq_out = rax (caller-private) */
        PERCPU_INJECT_AT(1)
        "movq %%rax, (%[counter])\n\t"                /* commit: *counter = rax */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [counter] "r"(counter), [seq_out] "r"(seq_out),
          [mask] "r"(PERCPU_EC_SEQ_MASK),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "memory", "cc" PERCPU_INJECT_CLOBBERS
        : aborted);
    return PERCPU_CS_COMMITTED;
aborted:
    return PERCPU_CS_ABORTED;
}

/* Event-count commit: *target = value if on cpu and *counter == seq (percpu_primitives.h). */
static inline __attribute__((always_inline)) int
percpu_cs_ec_commit(struct percpu_rseq_area *rs, uint32_t cpu, uint64_t *counter, uint64_t seq,
                    uint64_t *target, uint64_t value)
{
    __asm__ goto(
        PERCPU_CS_DESCRIPTOR
        PERCPU_CS_ARM
        "1:\n\t"                                      /* start_ip */
        "cmpl %[cpu], %c[rs_cpu_id](%[rs])\n\t"       /* rs->cpu_id == ticket's cpu ? */
        "jnz %l[notoncpu]\n\t"                        /* no: a definitive failure, not a restart */
        "cmpl $0, percpu_force_abort(%%rip)\n\t"      /* test hook set? */
        "jnz 4f\n\t"                                  /* yes: take the abort path */
        "cmpq %[seq], (%[counter])\n\t"               /* *counter == seq ? */
        "jnz %l[cmpfail]\n\t"                         /* no: a begin() ran on this CPU since */
        PERCPU_INJECT_AT(1)
        "movq %[value], (%[target])\n\t"              /* commit: *target = value */
        "2:\n\t"                                      /* post_commit */
        PERCPU_CS_ABORT
        :
        : [rs] "r"(rs), [cpu] "r"(cpu), [counter] "r"(counter), [seq] "r"(seq), [target] "r"(target),
          [value] "r"(value),
          PERCPU_CS_RSEQ_OPERANDS PERCPU_INJECT_INPUTS
        : "rax", "memory", "cc" PERCPU_INJECT_CLOBBERS
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
