/*
 * percpu_codes.h - the codes percpu's C code gives Java, defined once:
 * stack operation results, registration status and fence kinds.
 *
 * Mirrored by the constants of dev.percpu.bridge.NativeCodes. percpu_layout_offset()
 * (percpu_layout.h) serves each value under a PERCPU_CONSTANT_* id, and
 * StackLayoutTest compares NativeCodes' constants with what it returns.
 */
#ifndef PERCPU_CODES_H
#define PERCPU_CODES_H

/*
 * Result codes shared by every stack operation. A non-negative result is an
 * index (pop) or a count (batches; push returns PERCPU_OK).
 */
#define PERCPU_OK 0
#define PERCPU_EMPTY (-1)          /* pop: this CPU's stack holds nothing */
#define PERCPU_FULL (-2)           /* push: this CPU's stack is at capacity */
#define PERCPU_NO_RSEQ (-3)        /* this thread has no working registration */
#define PERCPU_RESTART_LIMIT (-4)  /* aborted restart_limit times in a row */
#define PERCPU_STOPPED (-5)        /* a remote thread owns this CPU's stack */
#define PERCPU_BUSY (-6)           /* fallback: the CPU's lock stayed taken */
#define PERCPU_BAD_CPU (-7)        /* the kernel's cpu id is beyond the block */
#define PERCPU_BAD_ADDRESS (-8)    /* push_addresses: an address failed the slot checks, nothing pushed */

/* Which registration the calling thread uses (percpu_rseq_status). */
#define PERCPU_RSEQ_UNAVAILABLE 0
#define PERCPU_RSEQ_GLIBC 1
#define PERCPU_RSEQ_OWN 2

/* How a remote fence works in this process (percpu_remote_fence_kind). */
#define PERCPU_FENCE_MEMBARRIER 1
#define PERCPU_FENCE_AFFINITY 2

#endif
