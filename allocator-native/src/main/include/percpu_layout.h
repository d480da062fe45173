/*
 * percpu_layout.h - the off-heap layout of a block of per-CPU index stacks.
 *
 * This is the one C drawing of the layout; dev.percpu.bridge.StackLayout is
 * its Java mirror, and StackLayoutTest compares the Java constants with the
 * offsetof() values that percpu_layout_offset() exports from here. The same
 * function serves the codes of percpu_codes.h to the same test.
 *
 * A block is one anonymous mapping:
 *
 *   0        128      256              128*(ncpu+1)    slots_offset(0)
 *   +--------+--------+-----+----------+---------------+------------------
 *   | block  | cpu 0  | ... | cpu n-1  | (pad to 128)  | cpu 0 slot array | cpu 1 ...
 *   | header | header |     | header   |               | u32[stride]      |
 *   +--------+--------+-----+----------+---------------+------------------
 *
 * Every per-CPU header and every slot array starts on its own 128-byte
 * boundary: data of different CPUs never shares a cache line, nor an
 * adjacent-line prefetch pair; 64 bytes apart is not enough
 * (docs/design.md, "Memory").
 *
 * Per-CPU header (128 bytes):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                     top (u32, committing store)               |  0
 *   +---------------------------------------------------------------+
 *   |                     capacity (u32)                            |  4
 *   +---------------------------------------------------------------+
 *   |                     stopped (u32)                             |  8
 *   +---------------------------------------------------------------+
 *   |                     lock (u32, fallback mode only)            | 12
 *   +---------------------------------------------------------------+
 *   |                     slots (u64, address of the u32 array)     | 16
 *   +---------------------------------------------------------------+
 *   |                     pops (u64, approximate)                   | 24
 *   +---------------------------------------------------------------+
 *   |                     pushes (u64, approximate)                 | 32
 *   +---------------------------------------------------------------+
 *   |                     aborts (u64, approximate)                 | 40
 *   +---------------------------------------------------------------+
 *   |                     padding to 128 bytes                      | 48
 *   +---------------------------------------------------------------+
 *
 * top      number of indices on the stack; slots[0 .. top) are free slot
 *          indices, slots[top - 1] is the next one popped. Written only by
 *          the committing instruction of a section (or under the lock in
 *          fallback mode, or by a remote owner while stopped).
 * capacity how many indices this CPU may hold, <= the block's stride.
 * stopped  nonzero while a remote thread owns this CPU's stack (the
 *          local/remote protocol: top of percpu_remote.h).
 * lock     0 free, 1 held: the fallback mode's per-CPU try-lock.
 * pops, pushes  indices popped and pushed, incremented inside the section
 *          before the commit: an abort between that increment and the
 *          commit counts an operation that was then redone, so these may
 *          over-count by the number of such aborts.
 * aborts   incremented outside any section after an abort, by a thread that
 *          may already run elsewhere: racy and approximate. The exact count
 *          is per thread (percpu_thread_aborts()).
 *
 * Block header (128 bytes): magic (u32) at 0, ncpu (u32) at 4, stride
 * (u32, the capacity of each slot array) at 8, total mapping size (u64) at 16.
 */
#ifndef PERCPU_LAYOUT_H
#define PERCPU_LAYOUT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define PERCPU_LINE 128u
#define PERCPU_BLOCK_MAGIC 0x50435055u /* "PCPU" */
#define PERCPU_BLOCK_CLOSED_MAGIC 0x50435058u /* "XCPU": closed, headers kept */

struct percpu_block_header {
    uint32_t magic;
    uint32_t ncpu;
    uint32_t stride;
    uint32_t reserved;
    uint64_t mapping_size;
    uint8_t padding[PERCPU_LINE - 24];
};

struct percpu_cpu_header {
    uint32_t top;
    uint32_t capacity;
    uint32_t stopped;
    uint32_t lock;
    uint64_t slots;
    uint64_t pops;
    uint64_t pushes;
    uint64_t aborts;
    uint8_t padding[PERCPU_LINE - 48];
};

/*
 * The layout as drawn above. The asm of percpu_arch_*.h takes its
 * offsets from offsetof on these structs, so these asserts cover it.
 */
_Static_assert(sizeof(struct percpu_block_header) == PERCPU_LINE, "block header is one 128-byte line");
_Static_assert(sizeof(struct percpu_cpu_header) == PERCPU_LINE, "cpu header is one 128-byte line");
_Static_assert(offsetof(struct percpu_block_header, magic) == 0, "magic");
_Static_assert(offsetof(struct percpu_block_header, ncpu) == 4, "ncpu");
_Static_assert(offsetof(struct percpu_block_header, stride) == 8, "stride");
_Static_assert(offsetof(struct percpu_block_header, mapping_size) == 16, "mapping_size");
_Static_assert(offsetof(struct percpu_cpu_header, top) == 0, "top");
_Static_assert(offsetof(struct percpu_cpu_header, capacity) == 4, "capacity");
_Static_assert(offsetof(struct percpu_cpu_header, stopped) == 8, "stopped");
_Static_assert(offsetof(struct percpu_cpu_header, lock) == 12, "lock");
_Static_assert(offsetof(struct percpu_cpu_header, slots) == 16, "slots");
_Static_assert(offsetof(struct percpu_cpu_header, pops) == 24, "pops");
_Static_assert(offsetof(struct percpu_cpu_header, pushes) == 32, "pushes");
_Static_assert(offsetof(struct percpu_cpu_header, aborts) == 40, "aborts");

/* Identifiers for percpu_layout_offset(), mirrored by StackLayout.Field. */
enum percpu_layout_field {
    PERCPU_FIELD_LINE = 0,
    PERCPU_FIELD_BLOCK_MAGIC = 1,
    PERCPU_FIELD_BLOCK_NCPU = 2,
    PERCPU_FIELD_BLOCK_STRIDE = 3,
    PERCPU_FIELD_BLOCK_MAPPING_SIZE = 4,
    PERCPU_FIELD_CPU_TOP = 5,
    PERCPU_FIELD_CPU_CAPACITY = 6,
    PERCPU_FIELD_CPU_STOPPED = 7,
    PERCPU_FIELD_CPU_LOCK = 8,
    PERCPU_FIELD_CPU_SLOTS = 9,
    PERCPU_FIELD_CPU_POPS = 10,
    PERCPU_FIELD_CPU_PUSHES = 11,
    PERCPU_FIELD_CPU_ABORTS = 12,
    PERCPU_FIELD_CPU_HEADER_SIZE = 13,
    PERCPU_FIELD_BLOCK_HEADER_SIZE = 14,
    /* The codes of percpu_codes.h, mirrored by dev.percpu.bridge.NativeCodes. */
    PERCPU_CONSTANT_EMPTY = 15,
    PERCPU_CONSTANT_FULL = 16,
    PERCPU_CONSTANT_NO_RSEQ = 17,
    PERCPU_CONSTANT_RESTART_LIMIT = 18,
    PERCPU_CONSTANT_STOPPED = 19,
    PERCPU_CONSTANT_BUSY = 20,
    PERCPU_CONSTANT_BAD_CPU = 21,
    PERCPU_CONSTANT_BAD_ADDRESS = 22,
    PERCPU_CONSTANT_RSEQ_UNAVAILABLE = 23,
    PERCPU_CONSTANT_RSEQ_GLIBC = 24,
    PERCPU_CONSTANT_RSEQ_OWN = 25,
    PERCPU_CONSTANT_FENCE_MEMBARRIER = 26,
    PERCPU_CONSTANT_FENCE_AFFINITY = 27
};

/* What percpu_layout_offset returns for an id it does not know (no offset or code has this value). */
#define PERCPU_LAYOUT_UNKNOWN_ID LONG_MIN

/*
 * Returns offsetof/sizeof for a PERCPU_FIELD_* id, the value of a
 * PERCPU_CONSTANT_* id, or PERCPU_LAYOUT_UNKNOWN_ID.
 */
long percpu_layout_offset(int field);

static inline struct percpu_cpu_header *percpu_cpu_header(void *block, uint32_t cpu)
{
    return (struct percpu_cpu_header *) ((uint8_t *) block + PERCPU_LINE * (1 + (size_t) cpu));
}

static inline uint32_t percpu_block_ncpu(const void *block)
{
    return ((const struct percpu_block_header *) block)->ncpu;
}

/*
 * Maps and initialises a block for ncpu CPUs, each holding up to stride
 * indices (capacity starts at stride, top at 0). Returns NULL with errno set.
 */
void *percpu_block_create(uint32_t ncpu, uint32_t stride);

/* Unmaps a block made by percpu_block_create. Returns 0 or -1 with errno. */
int percpu_block_destroy(void *block);

#endif
