/*
 * percpu_block.c - mapping and initialising a block of per-CPU stacks
 * (layout drawn in percpu_layout.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "percpu_codes.h"
#include "percpu_layout.h"

/* Limits that keep every size below in 64-bit range and every index in a u32. */
#define PERCPU_MAX_CPUS 65536u
#define PERCPU_MAX_STRIDE (1u << 28)

static uint64_t percpu_round_line(uint64_t bytes)
{
    return (bytes + PERCPU_LINE - 1) & ~(uint64_t) (PERCPU_LINE - 1);
}

/*
 * Every mapped block, for the fork child handler: a child of fork() without
 * exec has only the forking thread, so a per-CPU lock or stop word that
 * another thread held at the fork would stay taken in it for good (remote
 * calls and close would wait forever). The handler releases them (the
 * protocol's "Fork" paragraph, top of percpu_remote.h). The list's lock is
 * held across fork(), so the child sees a whole list.
 */
static pthread_mutex_t percpu_live_lock = PTHREAD_MUTEX_INITIALIZER;
static void **percpu_live;
static size_t percpu_live_count;
static size_t percpu_live_room;

static void percpu_fork_prepare(void)
{
    pthread_mutex_lock(&percpu_live_lock);
}

static void percpu_fork_parent(void)
{
    pthread_mutex_unlock(&percpu_live_lock);
}

/* In the child: no other thread exists, so nobody holds a lock or a stack; a closed block stays stopped. */
static void percpu_fork_child(void)
{
    for (size_t i = 0; i < percpu_live_count; i++) {
        void *block = percpu_live[i];
        uint32_t stopped = ((struct percpu_block_header *) block)->magic == PERCPU_BLOCK_MAGIC ? 0 : 1;
        for (uint32_t cpu = 0; cpu < percpu_block_ncpu(block); cpu++) {
            struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu);
            __atomic_store_n(&hdr->lock, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&hdr->stopped, stopped, __ATOMIC_RELAXED);
        }
    }
    pthread_mutex_unlock(&percpu_live_lock);
}

/*
 * The handlers are registered when the library loads, which happens once
 * per process (a constructor: pthread_once would make the library require
 * glibc 2.34, see percpu_rseq.c). With no block mapped they only take and
 * release the list's lock around a fork.
 */
__attribute__((constructor)) static void percpu_fork_register(void)
{
    pthread_atfork(percpu_fork_prepare, percpu_fork_parent, percpu_fork_child);
}

static int percpu_live_add(void *block)
{
    pthread_mutex_lock(&percpu_live_lock);
    int ok = 1;
    if (percpu_live_count == percpu_live_room) {
        size_t room = percpu_live_room ? 2 * percpu_live_room : 16;
        void **grown = realloc(percpu_live, room * sizeof *grown);
        if (grown != NULL) {
            percpu_live = grown;
            percpu_live_room = room;
        } else {
            ok = 0;
        }
    }
    if (ok)
        percpu_live[percpu_live_count++] = block;
    pthread_mutex_unlock(&percpu_live_lock);
    return ok;
}

static void percpu_live_remove(void *block)
{
    pthread_mutex_lock(&percpu_live_lock);
    for (size_t i = 0; i < percpu_live_count; i++) {
        if (percpu_live[i] == block) {
            percpu_live[i] = percpu_live[--percpu_live_count];
            break;
        }
    }
    pthread_mutex_unlock(&percpu_live_lock);
}

void *percpu_block_create(uint32_t ncpu, uint32_t stride)
{
    if (ncpu == 0 || ncpu > PERCPU_MAX_CPUS || stride == 0 || stride > PERCPU_MAX_STRIDE) {
        errno = EINVAL;
        return NULL;
    }
    uint64_t headers = PERCPU_LINE * (1 + (uint64_t) ncpu);
    uint64_t array_bytes = percpu_round_line((uint64_t) stride * sizeof(uint32_t));
    uint64_t size = headers + array_bytes * ncpu;
    void *block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (block == MAP_FAILED) {
        return NULL;
    }
    /* Fresh anonymous memory is zero: top, stopped, lock and counters start at 0. */
    struct percpu_block_header *bh = block;
    bh->magic = PERCPU_BLOCK_MAGIC;
    bh->ncpu = ncpu;
    bh->stride = stride;
    bh->mapping_size = size;
    for (uint32_t cpu = 0; cpu < ncpu; cpu++) {
        struct percpu_cpu_header *hdr = percpu_cpu_header(block, cpu);
        hdr->capacity = stride;
        hdr->slots = (uint64_t) (uintptr_t) ((uint8_t *) block + headers + array_bytes * cpu);
    }
    if (!percpu_live_add(block)) {
        munmap(block, size);
        errno = ENOMEM;
        return NULL;
    }
    return block;
}

int percpu_block_destroy(void *block)
{
    struct percpu_block_header *bh = block;
    if (bh == NULL || bh->magic != PERCPU_BLOCK_MAGIC) {
        errno = EINVAL;
        return -1;
    }
    percpu_live_remove(block);
    bh->magic = 0;
    return munmap(block, bh->mapping_size);
}

long percpu_layout_offset(int field)
{
    switch (field) {
    case PERCPU_FIELD_LINE: return PERCPU_LINE;
    case PERCPU_FIELD_BLOCK_MAGIC: return offsetof(struct percpu_block_header, magic);
    case PERCPU_FIELD_BLOCK_NCPU: return offsetof(struct percpu_block_header, ncpu);
    case PERCPU_FIELD_BLOCK_STRIDE: return offsetof(struct percpu_block_header, stride);
    case PERCPU_FIELD_BLOCK_MAPPING_SIZE: return offsetof(struct percpu_block_header, mapping_size);
    case PERCPU_FIELD_CPU_TOP: return offsetof(struct percpu_cpu_header, top);
    case PERCPU_FIELD_CPU_CAPACITY: return offsetof(struct percpu_cpu_header, capacity);
    case PERCPU_FIELD_CPU_STOPPED: return offsetof(struct percpu_cpu_header, stopped);
    case PERCPU_FIELD_CPU_LOCK: return offsetof(struct percpu_cpu_header, lock);
    case PERCPU_FIELD_CPU_SLOTS: return offsetof(struct percpu_cpu_header, slots);
    case PERCPU_FIELD_CPU_POPS: return offsetof(struct percpu_cpu_header, pops);
    case PERCPU_FIELD_CPU_PUSHES: return offsetof(struct percpu_cpu_header, pushes);
    case PERCPU_FIELD_CPU_ABORTS: return offsetof(struct percpu_cpu_header, aborts);
    case PERCPU_FIELD_CPU_HEADER_SIZE: return sizeof(struct percpu_cpu_header);
    case PERCPU_FIELD_BLOCK_HEADER_SIZE: return sizeof(struct percpu_block_header);
    case PERCPU_CONSTANT_EMPTY: return PERCPU_EMPTY;
    case PERCPU_CONSTANT_FULL: return PERCPU_FULL;
    case PERCPU_CONSTANT_NO_RSEQ: return PERCPU_NO_RSEQ;
    case PERCPU_CONSTANT_RESTART_LIMIT: return PERCPU_RESTART_LIMIT;
    case PERCPU_CONSTANT_STOPPED: return PERCPU_STOPPED;
    case PERCPU_CONSTANT_BUSY: return PERCPU_BUSY;
    case PERCPU_CONSTANT_BAD_CPU: return PERCPU_BAD_CPU;
    case PERCPU_CONSTANT_BAD_ADDRESS: return PERCPU_BAD_ADDRESS;
    case PERCPU_CONSTANT_RSEQ_UNAVAILABLE: return PERCPU_RSEQ_UNAVAILABLE;
    case PERCPU_CONSTANT_RSEQ_GLIBC: return PERCPU_RSEQ_GLIBC;
    case PERCPU_CONSTANT_RSEQ_OWN: return PERCPU_RSEQ_OWN;
    case PERCPU_CONSTANT_FENCE_MEMBARRIER: return PERCPU_FENCE_MEMBARRIER;
    case PERCPU_CONSTANT_FENCE_AFFINITY: return PERCPU_FENCE_AFFINITY;
    default: return PERCPU_LAYOUT_UNKNOWN_ID;
    }
}
