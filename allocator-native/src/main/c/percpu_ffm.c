/*
 * percpu_ffm.c - plain C entry points for the FFM bindings (JDK 22+,
 * dev.percpu.bridge.FfmStackCalls and FfmPrimitiveCalls), one per fast
 * operation. They take no JNIEnv, never block and never call back into the
 * JVM, which is what Linker.Option.critical requires. Batch calls receive
 * the Java array itself (a heap segment, critical with heap access) and an
 * offset into it. The stack operations take the block's mode as an int
 * (fallback != 0: the fallback form), the primitives a lock table (NULL:
 * the rseq form). Slow and blocking operations (mapping, remote access,
 * close) stay on JNI.
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "percpu_address_batch.h"
#include "percpu_primitives.h"
#include "percpu_rseq.h"
#include "percpu_stack_ops.h"

#define PERCPU_FFM_EXPORT __attribute__((visibility("default")))

PERCPU_FFM_EXPORT int32_t percpu_ffm_pop(void *block, int32_t fallback)
{
    return percpu_local_pop(block, fallback);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_push(void *block, int32_t fallback, int32_t index)
{
    return percpu_local_push(block, fallback, (uint32_t) index);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_pop_batch(void *block, int32_t fallback, uint32_t *dst, int32_t offset, int32_t n)
{
    return percpu_local_pop_batch(block, fallback, dst + offset, (uint32_t) n);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_push_batch(void *block, int32_t fallback, const uint32_t *src, int32_t offset,
                                                int32_t n)
{
    return percpu_local_push_batch(block, fallback, src + offset, (uint32_t) n);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_pop_addresses(void *block, int32_t fallback, uint64_t *dst, int32_t offset,
                                                   int32_t n, int64_t region, int32_t shift)
{
    return percpu_pop_addresses(block, fallback, dst + offset, (uint32_t) n, (uint64_t) region, (uint32_t) shift);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_push_addresses(void *block, int32_t fallback, const uint64_t *src,
                                                    int32_t offset, int32_t n, int64_t region, int32_t shift,
                                                    int64_t limit)
{
    return percpu_push_addresses(block, fallback, src + offset, (uint32_t) n, (uint64_t) region, (uint32_t) shift,
                                 (uint64_t) limit);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_current_cpu(void)
{
    return percpu_current_cpu();
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_mm_cid(void)
{
    return percpu_mm_cid();
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_op_add(void *base, int64_t row_bytes, int32_t ncpu, void *locks, int32_t offset,
                                            int64_t delta)
{
    if (locks != NULL)
        return percpu_op_add_fb(base, (uint64_t) row_bytes, (uint32_t) ncpu, locks, (uint32_t) offset, delta);
    return percpu_op_add(base, (uint64_t) row_bytes, (uint32_t) ncpu, (uint32_t) offset, delta);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_op_cmp_store(void *base, int64_t row_bytes, int32_t ncpu, void *locks,
                                                  int32_t offset, int64_t expect, int64_t update, int32_t offset2,
                                                  int64_t value2)
{
    if (locks != NULL)
        return percpu_op_cmp_fb(base, (uint64_t) row_bytes, (uint32_t) ncpu, locks, (uint32_t) offset,
                                (uint64_t) expect, (uint64_t) update, 1, (uint32_t) offset2, (uint64_t) value2, 0,
                                NULL, 0);
    return percpu_op_cmp_store2(base, (uint64_t) row_bytes, (uint32_t) ncpu, (uint32_t) offset, (uint64_t) expect,
                                (uint64_t) update, (uint32_t) offset2, (uint64_t) value2);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_op_cmp_copy(void *base, int64_t row_bytes, int32_t ncpu, void *locks,
                                                 int32_t offset, int64_t expect, int64_t update, int32_t copy_offset,
                                                 const uint8_t *src, int32_t len)
{
    if (locks != NULL)
        return percpu_op_cmp_fb(base, (uint64_t) row_bytes, (uint32_t) ncpu, locks, (uint32_t) offset,
                                (uint64_t) expect, (uint64_t) update, 0, 0, 0, (uint32_t) copy_offset, src,
                                (uint32_t) len);
    return percpu_op_cmp_copy(base, (uint64_t) row_bytes, (uint32_t) ncpu, (uint32_t) offset, (uint64_t) expect,
                              (uint64_t) update, (uint32_t) copy_offset, src, (uint32_t) len);
}

PERCPU_FFM_EXPORT int64_t percpu_ffm_ec_begin(void *counters, int64_t row_bytes, int32_t ncpu, void *locks)
{
    if (locks != NULL)
        return percpu_ec_begin_fb(counters, (uint64_t) row_bytes, (uint32_t) ncpu, locks);
    return percpu_ec_begin(counters, (uint64_t) row_bytes, (uint32_t) ncpu);
}

PERCPU_FFM_EXPORT int32_t percpu_ffm_ec_commit(void *counters, int64_t row_bytes, int32_t ncpu, void *locks,
                                               int64_t ticket, uint64_t *target, int64_t value)
{
    if (locks != NULL)
        return percpu_ec_commit_fb(counters, (uint64_t) row_bytes, (uint32_t) ncpu, locks, ticket, target,
                                   (uint64_t) value);
    return percpu_ec_commit(counters, (uint64_t) row_bytes, (uint32_t) ncpu, ticket, target, (uint64_t) value);
}
