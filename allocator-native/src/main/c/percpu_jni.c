/*
 * percpu_jni.c - the JNI face of dev.percpu.bridge: the native methods of
 * JniStackCalls, JniPrimitiveCalls, RseqCalls, BlockCalls and MemoryCalls.
 *
 * Each native method is a thin call into the operations of
 * percpu_stack_ops.h, percpu_address_batch.h and percpu_remote.h (with the
 * block's mode as an argument, as StackCalls passes it), of
 * percpu_primitives.h (a lock table of 0 selects the rseq form), or the
 * helpers of percpu_rseq.c, percpu_block.c and percpu_memory.c.
 * Java has already checked array ranges and counts (in those classes); errors that
 * only the native side can see (mmap failures, bad sizes) become Java
 * exceptions here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jni.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dev_percpu_bridge_BlockCalls.h"
#include "dev_percpu_bridge_JniPrimitiveCalls.h"
#include "dev_percpu_bridge_JniStackCalls.h"
#include "dev_percpu_bridge_MemoryCalls.h"
#include "dev_percpu_bridge_RseqCalls.h"
#include "percpu_address_batch.h"
#include "percpu_layout.h"
#include "percpu_memory.h"
#include "percpu_primitives.h"
#include "percpu_remote.h"
#include "percpu_rseq.h"
#include "percpu_stack_ops.h"

#define BLOCK(b) ((void *) (uintptr_t) (b))

static void throw_named(JNIEnv *env, const char *cls, const char *what, int err)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %s (errno %d)", what, strerror(err), err);
    jclass c = (*env)->FindClass(env, cls);
    if (c != NULL)
        (*env)->ThrowNew(env, c, msg);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_RseqCalls_nPossibleCpus(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return percpu_possible_cpus();
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_RseqCalls_nRseqStatus(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return percpu_rseq_status();
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_RseqCalls_nCurrentCpu(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return percpu_current_cpu();
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_RseqCalls_nThreadAborts(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return (jlong) percpu_thread_aborts();
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_RseqCalls_nRestartLimit(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return (jint) __atomic_load_n(&percpu_restart_limit, __ATOMIC_RELAXED);
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_RseqCalls_nSetRestartLimit(JNIEnv *env, jclass cls, jint limit)
{
    (void) env; (void) cls;
    __atomic_store_n(&percpu_restart_limit, (uint32_t) limit, __ATOMIC_RELAXED);
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_RseqCalls_nSetForceAbort(JNIEnv *env, jclass cls, jboolean on)
{
    (void) env; (void) cls;
    __atomic_store_n(&percpu_force_abort, on ? 1u : 0u, __ATOMIC_RELAXED);
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_BlockCalls_nLayoutOffset(JNIEnv *env, jclass cls, jint field)
{
    (void) env; (void) cls;
    return percpu_layout_offset(field);
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_BlockCalls_nCreateBlock(JNIEnv *env, jclass cls, jint ncpu, jint stride)
{
    (void) cls;
    void *block = percpu_block_create((uint32_t) ncpu, (uint32_t) stride);
    if (block == NULL) {
        if (errno == EINVAL)
            throw_named(env, "java/lang/IllegalArgumentException", "per-CPU stack block size out of range", errno);
        else
            throw_named(env, "java/lang/OutOfMemoryError", "mapping the per-CPU stack block", errno);
        return 0;
    }
    return (jlong) (uintptr_t) block;
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_BlockCalls_nDestroyBlock(JNIEnv *env, jclass cls, jlong block)
{
    (void) cls;
    if (percpu_block_destroy(BLOCK(block)) != 0)
        throw_named(env, "java/lang/IllegalStateException", "unmapping the per-CPU stack block", errno);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniStackCalls_nPop(JNIEnv *env, jclass cls, jlong block,
                                                                jboolean fallback)
{
    (void) env; (void) cls;
    return percpu_local_pop(BLOCK(block), fallback);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniStackCalls_nPush(JNIEnv *env, jclass cls, jlong block,
                                                                 jboolean fallback, jint index)
{
    (void) env; (void) cls;
    return percpu_local_push(BLOCK(block), fallback, (uint32_t) index);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniStackCalls_nPopBatch(JNIEnv *env, jclass cls, jlong block,
                                                                     jboolean fallback, jintArray dst, jint offset,
                                                                     jint n)
{
    (void) cls;
    jint *pinned = (*env)->GetPrimitiveArrayCritical(env, dst, NULL);
    if (pinned == NULL)
        return 0;
    int r = percpu_local_pop_batch(BLOCK(block), fallback, (uint32_t *) pinned + offset, (uint32_t) n);
    (*env)->ReleasePrimitiveArrayCritical(env, dst, pinned, 0);
    return r;
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniStackCalls_nPushBatch(JNIEnv *env, jclass cls, jlong block,
                                                                      jboolean fallback, jintArray src, jint offset,
                                                                      jint n)
{
    (void) cls;
    jint *pinned = (*env)->GetPrimitiveArrayCritical(env, src, NULL);
    if (pinned == NULL)
        return 0;
    int r = percpu_local_push_batch(BLOCK(block), fallback, (const uint32_t *) pinned + offset, (uint32_t) n);
    (*env)->ReleasePrimitiveArrayCritical(env, src, pinned, JNI_ABORT);
    return r;
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniStackCalls_nPopAddresses(JNIEnv *env, jclass cls, jlong block,
                                                                    jboolean fallback, jlongArray dst, jint offset,
                                                                    jint n, jlong region, jint shift)
{
    (void) cls;
    jlong *pinned = (*env)->GetPrimitiveArrayCritical(env, dst, NULL);
    if (pinned == NULL)
        return 0;
    int r = percpu_pop_addresses(BLOCK(block), fallback, (uint64_t *) pinned + offset, (uint32_t) n,
                                 (uint64_t) region, (uint32_t) shift);
    (*env)->ReleasePrimitiveArrayCritical(env, dst, pinned, 0);
    return r;
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniStackCalls_nPushAddresses(JNIEnv *env, jclass cls, jlong block,
                                                                     jboolean fallback, jlongArray src, jint offset,
                                                                     jint n, jlong region, jint shift, jlong limit)
{
    (void) cls;
    jlong *pinned = (*env)->GetPrimitiveArrayCritical(env, src, NULL);
    if (pinned == NULL)
        return 0;
    int r = percpu_push_addresses(BLOCK(block), fallback, (const uint64_t *) pinned + offset, (uint32_t) n,
                                  (uint64_t) region, (uint32_t) shift, (uint64_t) limit);
    (*env)->ReleasePrimitiveArrayCritical(env, src, pinned, JNI_ABORT);
    return r;
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_MemoryCalls_nMapRegion(JNIEnv *env, jclass cls, jlong bytes)
{
    (void) cls;
    void *p = mmap(NULL, (size_t) bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        throw_named(env, "java/lang/OutOfMemoryError", "reserving the slab region", errno);
        return 0;
    }
    return (jlong) (uintptr_t) p;
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_MemoryCalls_nReserveRegion(JNIEnv *env, jclass cls, jlong bytes)
{
    (void) env; (void) cls;
    /* PROT_NONE: address space only, no commit charge even where vm.overcommit_memory=2 ignores MAP_NORESERVE. */
    void *p = mmap(NULL, (size_t) bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? -(jlong) errno : (jlong) (uintptr_t) p;
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_MemoryCalls_nCommitPages(JNIEnv *env, jclass cls, jlong address,
                                                                   jlong bytes)
{
    (void) env; (void) cls;
    return mprotect(BLOCK(address), (size_t) bytes, PROT_READ | PROT_WRITE) == 0 ? 0 : errno;
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_MemoryCalls_nUnmapRegion(JNIEnv *env, jclass cls, jlong address, jlong bytes)
{
    (void) cls;
    if (munmap(BLOCK(address), (size_t) bytes) != 0)
        throw_named(env, "java/lang/IllegalStateException", "unmapping the slab region", errno);
}

JNIEXPORT jobject JNICALL Java_dev_percpu_bridge_MemoryCalls_nView(JNIEnv *env, jclass cls, jlong address, jlong length)
{
    (void) cls;
    return (*env)->NewDirectByteBuffer(env, BLOCK(address), length);
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_MemoryCalls_nFillWords(JNIEnv *env, jclass cls, jlong address,
                                                                 jlong bytes, jlong pattern)
{
    (void) env; (void) cls;
    percpu_fill_words(BLOCK(address), (uint64_t) bytes / 8, (uint64_t) pattern);
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_MemoryCalls_nFindWordNot(JNIEnv *env, jclass cls, jlong address,
                                                                    jlong bytes, jlong pattern)
{
    (void) env; (void) cls;
    int64_t word = percpu_find_word_not(BLOCK(address), (uint64_t) bytes / 8, (uint64_t) pattern);
    return word < 0 ? -1 : (jlong) (word * 8);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_BlockCalls_nFenceKind(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return percpu_remote_fence_kind();
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_BlockCalls_nRemoteFences(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return (jlong) percpu_remote_fences();
}

/* May block (membarrier, lock): copies through a malloc'd buffer, never a pinned array. */
JNIEXPORT jint JNICALL Java_dev_percpu_bridge_BlockCalls_nRemoteTake(JNIEnv *env, jclass cls, jlong block, jint cpu,
                                                                  jintArray dst, jint offset, jint n, jboolean fallback)
{
    (void) cls;
    uint32_t *buf = malloc(sizeof *buf * (size_t) n);
    if (buf == NULL) {
        throw_named(env, "java/lang/OutOfMemoryError", "remote take buffer", ENOMEM);
        return 0;
    }
    int r = percpu_remote_take(BLOCK(block), (uint32_t) cpu, buf, (uint32_t) n, fallback ? 1 : 0);
    if (r > 0)
        (*env)->SetIntArrayRegion(env, dst, offset, r, (const jint *) buf);
    free(buf);
    if (r < 0) {
        throw_named(env, "java/lang/IllegalStateException", "remote access to a per-CPU stack", -r);
        return 0;
    }
    return r;
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_BlockCalls_nCloseBlock(JNIEnv *env, jclass cls, jlong block,
                                                                  jboolean fallback)
{
    (void) cls;
    int rc = percpu_block_close(BLOCK(block), fallback ? 1 : 0);
    if (rc != 0)
        throw_named(env, "java/lang/IllegalStateException", "stopping the per-CPU stacks at close", -rc);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_RseqCalls_nPinCurrentThread(JNIEnv *env, jclass cls, jint cpu)
{
    (void) env; (void) cls;
    return percpu_pin_current_thread(cpu);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniPrimitiveCalls_nMmCid(JNIEnv *env, jclass cls)
{
    (void) env; (void) cls;
    return percpu_mm_cid();
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniPrimitiveCalls_nOpAdd(JNIEnv *env, jclass cls, jlong base, jlong row_bytes,
                                                             jint ncpu, jlong locks, jint offset, jlong delta)
{
    (void) env; (void) cls;
    if (locks != 0)
        return percpu_op_add_fb(BLOCK(base), (uint64_t) row_bytes, (uint32_t) ncpu, BLOCK(locks), (uint32_t) offset,
                                delta);
    return percpu_op_add(BLOCK(base), (uint64_t) row_bytes, (uint32_t) ncpu, (uint32_t) offset, delta);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniPrimitiveCalls_nOpCompareStore(JNIEnv *env, jclass cls, jlong base,
                                                                      jlong row_bytes, jint ncpu, jlong locks,
                                                                      jint offset, jlong expect, jlong update,
                                                                      jint offset2, jlong value2)
{
    (void) env; (void) cls;
    if (locks != 0)
        return percpu_op_cmp_fb(BLOCK(base), (uint64_t) row_bytes, (uint32_t) ncpu, BLOCK(locks), (uint32_t) offset,
                                (uint64_t) expect, (uint64_t) update, 1, (uint32_t) offset2, (uint64_t) value2, 0,
                                NULL, 0);
    return percpu_op_cmp_store2(BLOCK(base), (uint64_t) row_bytes, (uint32_t) ncpu, (uint32_t) offset,
                                (uint64_t) expect, (uint64_t) update, (uint32_t) offset2, (uint64_t) value2);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniPrimitiveCalls_nOpCompareCopy(JNIEnv *env, jclass cls, jlong base,
                                                                     jlong row_bytes, jint ncpu, jlong locks,
                                                                     jint offset, jlong expect, jlong update,
                                                                     jint copy_offset, jbyteArray src, jint src_offset,
                                                                     jint len)
{
    (void) cls;
    uint8_t *pinned = NULL;
    if (len > 0) {
        pinned = (*env)->GetPrimitiveArrayCritical(env, src, NULL);
        if (pinned == NULL)
            return PERCPU_BUSY;
    }
    const uint8_t *from = pinned == NULL ? NULL : pinned + src_offset;
    int r = locks != 0
        ? percpu_op_cmp_fb(BLOCK(base), (uint64_t) row_bytes, (uint32_t) ncpu, BLOCK(locks), (uint32_t) offset,
                           (uint64_t) expect, (uint64_t) update, 0, 0, 0, (uint32_t) copy_offset, from, (uint32_t) len)
        : percpu_op_cmp_copy(BLOCK(base), (uint64_t) row_bytes, (uint32_t) ncpu, (uint32_t) offset, (uint64_t) expect,
                             (uint64_t) update, (uint32_t) copy_offset, from, (uint32_t) len);
    if (pinned != NULL)
        (*env)->ReleasePrimitiveArrayCritical(env, src, pinned, JNI_ABORT);
    return r;
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_JniPrimitiveCalls_nEcBegin(JNIEnv *env, jclass cls, jlong counters,
                                                                jlong row_bytes, jint ncpu, jlong locks)
{
    (void) env; (void) cls;
    if (locks != 0)
        return percpu_ec_begin_fb(BLOCK(counters), (uint64_t) row_bytes, (uint32_t) ncpu, BLOCK(locks));
    return percpu_ec_begin(BLOCK(counters), (uint64_t) row_bytes, (uint32_t) ncpu);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_JniPrimitiveCalls_nEcCommit(JNIEnv *env, jclass cls, jlong counters,
                                                                jlong row_bytes, jint ncpu, jlong locks, jlong ticket,
                                                                jlong target, jlong value)
{
    (void) env; (void) cls;
    if (locks != 0)
        return percpu_ec_commit_fb(BLOCK(counters), (uint64_t) row_bytes, (uint32_t) ncpu, BLOCK(locks), ticket,
                                   (uint64_t *) BLOCK(target), (uint64_t) value);
    return percpu_ec_commit(BLOCK(counters), (uint64_t) row_bytes, (uint32_t) ncpu, ticket,
                            (uint64_t *) BLOCK(target), (uint64_t) value);
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_BlockCalls_nRemotePut(JNIEnv *env, jclass cls, jlong block, jint cpu,
                                                                 jintArray src, jint offset, jint n, jboolean fallback)
{
    (void) cls;
    uint32_t *buf = malloc(sizeof *buf * (size_t) n);
    if (buf == NULL) {
        throw_named(env, "java/lang/OutOfMemoryError", "remote put buffer", ENOMEM);
        return 0;
    }
    (*env)->GetIntArrayRegion(env, src, offset, n, (jint *) buf);
    int r = percpu_remote_put(BLOCK(block), (uint32_t) cpu, buf, (uint32_t) n, fallback ? 1 : 0);
    free(buf);
    if (r < 0) {
        throw_named(env, "java/lang/IllegalStateException", "remote put onto a per-CPU stack", -r);
        return 0;
    }
    return r;
}

JNIEXPORT jint JNICALL Java_dev_percpu_bridge_BlockCalls_nRemoteSetCapacity(JNIEnv *env, jclass cls, jlong block,
                                                                         jint cpu, jint capacity, jintArray excess,
                                                                         jboolean fallback)
{
    (void) cls;
    jsize room = (*env)->GetArrayLength(env, excess);
    uint32_t *buf = malloc(sizeof *buf * (size_t) (room > 0 ? room : 1));
    if (buf == NULL) {
        throw_named(env, "java/lang/OutOfMemoryError", "capacity change buffer", ENOMEM);
        return 0;
    }
    int r = percpu_remote_set_capacity(BLOCK(block), (uint32_t) cpu, (uint32_t) capacity, buf, (uint32_t) room,
                                       fallback ? 1 : 0);
    if (r > 0)
        (*env)->SetIntArrayRegion(env, excess, 0, r, (const jint *) buf);
    free(buf);
    if (r < 0) {
        throw_named(env, r == -EINVAL ? "java/lang/IllegalArgumentException" : "java/lang/IllegalStateException",
                    "changing a per-CPU stack's capacity", -r);
        return 0;
    }
    return r;
}

JNIEXPORT void JNICALL Java_dev_percpu_bridge_MemoryCalls_nReleasePages(JNIEnv *env, jclass cls, jlong address,
                                                                    jlong bytes)
{
    (void) cls;
    if (madvise(BLOCK(address), (size_t) bytes, MADV_DONTNEED) != 0)
        throw_named(env, "java/lang/IllegalStateException", "madvise(MADV_DONTNEED)", errno);
}

JNIEXPORT jlong JNICALL Java_dev_percpu_bridge_MemoryCalls_nResidentBytes(JNIEnv *env, jclass cls, jlong address,
                                                                      jlong bytes)
{
    (void) cls;
    long page = sysconf(_SC_PAGESIZE);
    size_t pages = ((size_t) bytes + (size_t) page - 1) / (size_t) page;
    unsigned char *vec = malloc(pages > 0 ? pages : 1);
    if (vec == NULL) {
        throw_named(env, "java/lang/OutOfMemoryError", "mincore vector", ENOMEM);
        return 0;
    }
    if (mincore(BLOCK(address), (size_t) bytes, vec) != 0) {
        int err = errno;
        free(vec);
        throw_named(env, "java/lang/IllegalStateException", "mincore", err);
        return 0;
    }
    jlong resident = 0;
    for (size_t i = 0; i < pages; i++)
        resident += (vec[i] & 1) ? page : 0;
    free(vec);
    return resident;
}
