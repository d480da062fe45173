/*
 * percpu_address_batch.h - batch pop/push of slot addresses rather than
 * slot indices, for SlabAllocator's allocate(long[], n) / free(long[], n)
 * when the slot size is a power of two.
 *
 * A slot's address is region + (index << shift). Doing that arithmetic (and,
 * on push, the slot checks) here instead of in a Java loop lets the caller's
 * long[] travel to C and back in one call with no Java work per slot and no
 * int[] scratch array. The rseq sections are the ordinary batch sections of
 * percpu_stack_ops.h, run on chunks of PERCPU_ADDRESS_CHUNK indices held on
 * the C stack: the conversion happens outside any section, so nothing here
 * changes the rseq protocol. Each chunk is its own section; a later chunk
 * may run on another CPU, which is as correct as two separate batch calls.
 */
#ifndef PERCPU_ADDRESS_BATCH_H
#define PERCPU_ADDRESS_BATCH_H

#include <stdint.h>

#include "percpu_stack_ops.h"

/* Indices per section; 256 bytes of C stack. */
#define PERCPU_ADDRESS_CHUNK 64

/*
 * The per-slot arithmetic, kept in loops the compiler vectorizes (plain
 * counted loops over restrict pointers), marked PERCPU_VECTORIZED (the
 * vector clones each architecture builds, percpu_arch.h); the library is
 * compiled with -O3 for the vectorizer. Why, with the C floor's figures:
 * docs/design.md, "Layers".
 */

/* dst[i] = region + (indices[i] << shift) for i < n. */
PERCPU_VECTORIZED
static void percpu_indices_to_addresses(uint64_t *restrict dst, const uint32_t *restrict indices, uint32_t n,
                                        uint64_t region, uint32_t shift)
{
    for (uint32_t i = 0; i < n; i++)
        dst[i] = region + ((uint64_t) indices[i] << shift);
}

/*
 * indices[i] = (src[i] - region) >> shift for i < n, and the checks in the
 * same pass with no branch: returns non-zero when some offset has low bits
 * set (not a slot start) or is not below limit (outside the slots ever
 * handed out, or below region: the subtraction wraps to a huge value).
 */
PERCPU_VECTORIZED
static uint64_t percpu_addresses_to_indices(uint32_t *restrict indices, const uint64_t *restrict src, uint32_t n,
                                            uint64_t region, uint32_t shift, uint64_t limit)
{
    uint64_t low_bits = ((uint64_t) 1 << shift) - 1;
    uint64_t bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t offset = src[i] - region;
        bad |= (offset & low_bits) | (uint64_t) (offset >= limit);
        indices[i] = (uint32_t) (offset >> shift);
    }
    return bad;
}

/*
 * Pops up to n slots of the current CPU into dst[0 .. n) as addresses.
 * Returns the count (fewer than n when the stack ran short; 0 when empty),
 * or an error code when the first chunk got nothing for another reason.
 * A later chunk's error code is dropped: the caller sees a short count and
 * takes its slow path, which meets the same condition again.
 */
static inline int percpu_pop_addresses(void *block, int fallback, uint64_t *dst, uint32_t n, uint64_t region,
                                       uint32_t shift)
{
    uint32_t indices[PERCPU_ADDRESS_CHUNK];
    uint32_t done = 0;
    while (done < n) {
        uint32_t want = n - done < PERCPU_ADDRESS_CHUNK ? n - done : PERCPU_ADDRESS_CHUNK;
        int got = percpu_local_pop_batch(block, fallback, indices, want);
        if (got <= 0)
            return done > 0 ? (int) done : got;
        percpu_indices_to_addresses(dst + done, indices, (uint32_t) got, region, shift);
        done += (uint32_t) got;
        if ((uint32_t) got < want)
            break;
    }
    return (int) done;
}

/*
 * Pushes src[0 .. n) back onto the current CPU's stack. Every address is
 * checked before any is pushed: it must lie in [region, region + limit)
 * (limit = the bytes of the slots ever handed out) on a slot start; one bad
 * address returns PERCPU_BAD_ADDRESS with nothing pushed. Up to one chunk
 * is checked and converted in one pass; a longer batch is checked whole
 * first. Returns the count pushed (fewer than n when the stack filled up),
 * or an error code when the first chunk pushed nothing for another reason.
 */
static inline int percpu_push_addresses(void *block, int fallback, const uint64_t *src, uint32_t n, uint64_t region,
                                        uint32_t shift, uint64_t limit)
{
    uint32_t indices[PERCPU_ADDRESS_CHUNK];
    if (n > PERCPU_ADDRESS_CHUNK) {
        for (uint32_t done = 0; done < n; done += PERCPU_ADDRESS_CHUNK) {
            uint32_t want = n - done < PERCPU_ADDRESS_CHUNK ? n - done : PERCPU_ADDRESS_CHUNK;
            if (percpu_addresses_to_indices(indices, src + done, want, region, shift, limit) != 0)
                return PERCPU_BAD_ADDRESS;
        }
    }
    uint32_t done = 0;
    while (done < n) {
        uint32_t want = n - done < PERCPU_ADDRESS_CHUNK ? n - done : PERCPU_ADDRESS_CHUNK;
        if (percpu_addresses_to_indices(indices, src + done, want, region, shift, limit) != 0)
            return PERCPU_BAD_ADDRESS; /* only reachable when n <= one chunk: nothing pushed yet */
        int pushed = percpu_local_push_batch(block, fallback, indices, want);
        if (pushed <= 0)
            return done > 0 ? (int) done : pushed;
        done += (uint32_t) pushed;
        if ((uint32_t) pushed < want)
            break;
    }
    return (int) done;
}

#endif
