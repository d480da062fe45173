/*
 * percpu_remote.h - touching another CPU's stack, and the one telling of the
 * local/remote protocol that every user of a block follows. Other files
 * (percpu_stack_ops.h, percpu_layout.h, percpu_remote.c, docs/design.md)
 * link here instead of repeating it.
 *
 * THE LOCAL/REMOTE PROTOCOL
 *
 * Local side (rseq mode, percpu_stack_ops.h). A section indexes the stack
 * of the CPU it runs on, c, and only while it runs on c: it compares
 * rseq->cpu_id with c inside the section, then reads stopped, then reads
 * and speculatively writes, then commits with ONE store of top. A section
 * that is preempted, migrated or signalled before the commit is aborted by
 * the kernel and restarted from scratch. Only one thread runs on c at a
 * time and the kernel's context switch is a full barrier, so local
 * sections on c are serialised by c itself and need no fence or locked
 * instruction: a section sees every store committed on c before it.
 *
 * Remote side (rseq mode, this file). A remote thread R (steal, drain,
 * rebalancer, close) that wants c's stack:
 *   1. CAS stopped 0 -> 1 (seq_cst; one remote owner at a time; a closed
 *      block's stacks stay stopped, see Close);
 *   2. fences c: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
 *      MEMBARRIER_CMD_FLAG_CPU, c). When it returns, a section that was in
 *      flight on c has committed or been aborted, and every section that
 *      starts on c later reads stopped = 1 and leaves with PERCPU_STOPPED;
 *   3. reads and writes top, capacity and the slot array as their only user;
 *   4. store-release stopped = 0.
 * If fencing fails, R clears stopped again and the remote call fails with
 * nothing changed.
 *
 * Ordering. On x86-64 (TSO) every plain load is an acquire and every plain
 * store a release, so the sections and R need nothing more. On arm64 the
 * two orders the protocol needs are explicit: a section load-acquires
 * stopped (ldar), so that after R's store-release of stopped = 0 it sees
 * what R wrote in step 3; and R reads what sections committed only after
 * the fence, whose barriers (membarrier's smp_mb on both sides, or R's
 * context switch onto c) make those commits visible without any
 * release on the sections' side. R's side is C11 __atomic code, the same
 * on both. Argued per section in percpu_arch_aarch64.h.
 *
 * Thread 1 / Thread 2, why stopped is read inside the section and why the
 * fence is needed after setting it:
 *   L (CPU c): cmp cpu_id ok; reads stopped = 0; loads top = 5
 *   R:         stopped = 1; (no fence) reads top = 5; takes 5 entries; top = 0
 *   L:         commits top = 4          <- resurrects entries R took
 * With the fence, R waits until L's section has committed (R then reads
 * top = 4) or been aborted (L restarts and reads stopped). Had L read
 * stopped before arming the section, no fence could save it: it would
 * commit a stale top after R moved entries.
 *
 * The affinity fence. Without membarrier-RSEQ (kernels before 5.10, the
 * registration refused, or a membarrier error) R fences c by moving itself
 * onto c with sched_setaffinity, checking that it really ran there, and
 * restoring its affinity: once R ran on c, whatever ran on c before was
 * preempted, and a preempted section is aborted when it resumes. A CPU that
 * can run no thread of the process (offline, or outside the cpuset: the
 * kernel refuses the affinity with EINVAL) counts as fenced: a section
 * indexes c only while running on c, so none is in flight there, and a
 * thread that reaches c later does so through a context switch after R's
 * store of stopped, so it reads stopped = 1. (This assumes, as Linux
 * arranges, that all threads of the process share one cpuset.)
 *
 * Capacity changes are remote writes like any other (step 3): capacity is
 * written only by a remote owner while c is stopped, and a push section
 * reads it inside the section, so it sees the old or the new capacity whole.
 * Entries above a lowered capacity are moved out in the same ownership.
 *
 * Close. percpu_block_close swaps the block's magic to CLOSED first (remote
 * calls that start later fail with -ESHUTDOWN; one that holds a stack
 * finishes and clears its stopped word), then runs steps 1 and 2 on every
 * CPU and never runs step 4: the stacks stay stopped for good, every later
 * section leaves with PERCPU_STOPPED. Then it unmaps the slot arrays and
 * keeps the header pages mapped, so that a call racing with close still
 * reads valid memory and finds its stack stopped.
 *
 * Fallback mode. The per-CPU lock word serialises everybody: local
 * operations take it with a bounded try (PERCPU_BUSY when it stays taken),
 * remote ones block on it (spinning, then yielding) and read or change the
 * stack under it; close sets stopped under each lock. No fence is needed.
 *
 * Fork. A child of fork() without exec has one thread, the forking one; a
 * lock or stop word that another thread held at the fork would stay taken
 * for good, and remote calls and close would wait forever. So a
 * pthread_atfork child handler (percpu_block.c, which lists every mapped
 * block) releases every lock word and clears every stop word of an open
 * block, and sets every stop word of a closed one. That is safe because the
 * holders do not exist in the child: a stack is consistent at every
 * instant (top is one store, and capacity only drops with top already below
 * it), and the entries a vanished thread had taken are lost to the child,
 * like everything else that thread held. The membarrier-RSEQ registration
 * is kept by the kernel across fork, so the fence works in the child as is.
 */
#ifndef PERCPU_REMOTE_H
#define PERCPU_REMOTE_H

#include <stdint.h>

#include "percpu_codes.h"

/*
 * Registers membarrier-RSEQ on first use (racing first callers each register;
 * the kernel treats that as idempotent); returns PERCPU_FENCE_MEMBARRIER or
 * PERCPU_FENCE_AFFINITY.
 */
int percpu_remote_fence_kind(void);

/*
 * Test seam, compiled in always: with on != 0 every fence is an affinity
 * fence (and percpu_remote_fence_kind says PERCPU_FENCE_AFFINITY), as on a
 * kernel without membarrier-RSEQ. Used by percpu_affinity_fence_test.c;
 * nothing else calls it.
 */
void percpu_remote_force_affinity_fence(int on);

/* Number of fences run by this process (membarrier calls or affinity moves). */
uint64_t percpu_remote_fences(void);

/*
 * Moves up to max entries from the top of cpu's stack into out (the oldest
 * first). rseq mode when fallback == 0. Blocks briefly. Reads top first
 * without stopping anything and returns 0 at once for an empty stack.
 * Returns the count, or a negative errno when the CPU could not be fenced
 * (nothing taken).
 */
int percpu_remote_take(void *block, uint32_t cpu, uint32_t *out, uint32_t max, int fallback);

/*
 * Pushes up to n entries of in onto cpu's stack from any thread (room
 * permitting). Returns the count pushed (in[0 .. count) went in), or a
 * negative errno when the CPU could not be fenced (nothing pushed).
 */
int percpu_remote_put(void *block, uint32_t cpu, const uint32_t *in, uint32_t n, int fallback);

/*
 * Sets cpu's capacity (1 .. stride) from any thread. Entries above the new
 * capacity are moved into out (room for max entries; -ENOSPC and nothing
 * changed if more would be). Returns the count moved, or a negative errno
 * (-EINVAL for a capacity out of range).
 */
int percpu_remote_set_capacity(void *block, uint32_t cpu, uint32_t capacity, uint32_t *out, uint32_t max,
                               int fallback);

/*
 * Stops every CPU's stack for good and returns the pages past the header
 * pages to the kernel (Close, in the protocol above). If a CPU could not
 * be fenced, nothing is unmapped and its -errno is returned; a second close
 * returns -ESHUTDOWN. Remote takes on a closed block return -ESHUTDOWN.
 */
int percpu_block_close(void *block, int fallback);

#endif
