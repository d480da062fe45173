/*
 * percpu_remote.h - touching another CPU's stack: the stop / fence / resume
 * protocol (rseq mode) and the blocking lock (fallback mode).
 *
 * rseq mode, remote owner R and local thread L on CPU c:
 *   R: CAS stopped 0 -> 1        (only one remote owner at a time)
 *   R: fence(c)                  membarrier(PRIVATE_EXPEDITED_RSEQ, CPU c):
 *                                when it returns, a section of L that was in
 *                                flight on c has committed or been aborted,
 *                                and any section L starts later reads
 *                                stopped = 1 and bails out (PERCPU_STOPPED).
 *   R: read/write top and slots  (no section can commit on c now)
 *   R: store-release stopped = 0
 * Without membarrier-RSEQ (kernels before 5.10, registration refused, or a
 * membarrier error), fence(c) instead moves R onto CPU c with
 * sched_setaffinity: once R runs there, whatever ran on c before was
 * preempted, and a preempted section is aborted when it resumes. R's
 * affinity is restored afterwards. If both fail, the remote operation fails.
 *
 * Thread 1 / Thread 2, why the fence is needed after setting stopped:
 *   L: cmp cpu ok; reads stopped = 0; loads top = 5
 *   R: stopped = 1; reads top = 5; takes entries 0..4; top = 0
 *   L: commits top = 4            <- would resurrect entries R took
 * The fence makes R wait until L's section is either committed (R then reads
 * top = 4) or aborted (L restarts and sees stopped).
 *
 * Fallback mode: the per-CPU lock word, taken with CAS (spinning, then
 * yielding), serialises remote and local users alike.
 */
#ifndef PERCPU_REMOTE_H
#define PERCPU_REMOTE_H

#include <stdint.h>

#include "percpu_codes.h"

/* Registers membarrier-RSEQ once; returns PERCPU_FENCE_MEMBARRIER or PERCPU_FENCE_AFFINITY. */
int percpu_remote_fence_kind(void);

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
 * Stops every CPU's stack for good (rseq mode: stop and fence each CPU;
 * fallback mode: set stopped under each lock), then returns the pages past
 * the header pages to the kernel. The header pages stay mapped so that calls
 * racing with close read valid memory and see stopped. If a CPU could not
 * be fenced, nothing is unmapped and its -errno is returned; a second close
 * returns -ESHUTDOWN. Remote takes on a closed block return -ESHUTDOWN.
 */
int percpu_block_close(void *block, int fallback);

#endif
