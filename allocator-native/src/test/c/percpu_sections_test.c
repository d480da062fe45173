/*
 * percpu_sections_test.c - every rseq section, run on one thread, does what
 * its operation promises, on the architecture the test is built for.
 *
 * The sections run on a stand-in area: this thread's own area of
 * percpu_rseq.c, marked registered by the test and never given to the
 * kernel, whose cpu_id only the test writes. So the sections' instructions
 * run for real (arm, CPU check, stopped check, the work, the committing
 * store) even where the kernel offers no rseq at all: under qemu-user
 * (ENOSYS for rseq) this is the one test that executes the arm64 sections'
 * work and commits. What it cannot test is the kernel's side: no section
 * is ever aborted by a preemption, migration or signal here (the stress
 * test does that, natively), and the sections index the stand-in CPU the
 * test chose, not the one the thread runs on.
 *
 * Checked per operation: results, the stack contents and order, top and
 * the pops/pushes counters, capacity and stopped honoured, the other CPU's
 * stack and row untouched, compare failures writing nothing, copies of
 * exact length, the event-count tickets and their commit, the restart
 * bound under the force-abort hook, and NO_RSEQ / BAD_CPU from cpu_id.
 */
#include "../../main/c/percpu_rseq.c"
#include "../../main/c/percpu_block.c"
#include "percpu_primitives.h"
#include "percpu_test_setup.h"
#include "percpu_test_support.h"

#include <stdlib.h>

/* The stand-in CPU the sections index, and the other one, whose data must stay untouched. */
#define NCPU 2u
#define HERE 1u
#define OTHER 0u
#define ROW 128u

static struct percpu_rseq_area *g_rs;

static void check_stack_sections(void)
{
    void *block = percpu_block_create(NCPU, 4);
    CHECK(block != NULL, "block create");
    struct percpu_cpu_header *hdr = percpu_cpu_header(block, HERE);
    const uint32_t *slots = (const uint32_t *) (uintptr_t) hdr->slots;
    uint32_t out[6];

    CHECK(percpu_pop(block) == PERCPU_EMPTY, "pop on an empty stack");
    CHECK(percpu_pop_batch(block, out, 3) == 0, "pop_batch on an empty stack");
    CHECK(percpu_push(block, 10) == PERCPU_OK && percpu_push(block, 11) == PERCPU_OK, "push 10, 11");
    CHECK(hdr->top == 2 && slots[0] == 10 && slots[1] == 11 && hdr->pushes == 2, "push: top %u, slots %u %u, pushes %lu",
          hdr->top, slots[0], slots[1], (unsigned long) hdr->pushes);
    CHECK(percpu_pop(block) == 11 && hdr->top == 1 && hdr->pops == 1, "pop takes the last pushed");

    uint32_t in[3] = {20, 21, 22};
    CHECK(percpu_push_batch(block, in, 3) == 3, "push_batch of 3 with room for 3");
    CHECK(hdr->top == 4 && slots[1] == 20 && slots[2] == 21 && slots[3] == 22 && hdr->pushes == 5,
          "push_batch keeps the order: top %u, slots %u %u %u, pushes %lu", hdr->top, slots[1], slots[2], slots[3],
          (unsigned long) hdr->pushes);
    CHECK(percpu_push(block, 99) == PERCPU_FULL, "push on a full stack");
    CHECK(percpu_push_batch(block, in, 2) == 0, "push_batch on a full stack");
    CHECK(percpu_pop_batch(block, out, 3) == 3 && out[0] == 20 && out[1] == 21 && out[2] == 22 && hdr->top == 1,
          "pop_batch takes the top 3 bottom to top");
    CHECK(percpu_pop_batch(block, out, 6) == 1 && out[0] == 10 && hdr->top == 0 && hdr->pops == 5,
          "pop_batch takes what is there: pops %lu", (unsigned long) hdr->pops);

    hdr->capacity = 2;
    CHECK(percpu_push_batch(block, in, 3) == 2 && hdr->top == 2, "push_batch is capped by a lowered capacity");
    hdr->stopped = 1;
    CHECK(percpu_push(block, 1) == PERCPU_STOPPED && percpu_pop(block) == PERCPU_STOPPED &&
          percpu_push_batch(block, in, 1) == PERCPU_STOPPED && percpu_pop_batch(block, out, 1) == PERCPU_STOPPED,
          "every stack section leaves a stopped stack alone");
    CHECK(hdr->top == 2, "a stopped stack is unchanged (top %u)", hdr->top);
    hdr->stopped = 0;

    struct percpu_cpu_header *other = percpu_cpu_header(block, OTHER);
    CHECK(other->top == 0 && other->pushes == 0 && other->pops == 0, "the other CPU's stack is untouched");
    CHECK(g_rs->rseq_cs == 0, "rseq_cs is disarmed after the calls");

    uint64_t before = percpu_thread_aborts();
    percpu_force_abort = 1;
    CHECK(percpu_pop(block) == PERCPU_RESTART_LIMIT, "forced aborts give PERCPU_RESTART_LIMIT");
    percpu_force_abort = 0;
    CHECK(percpu_thread_aborts() - before == percpu_restart_limit, "each forced abort was counted once");
    CHECK(hdr->top == 2, "an aborted pop changed nothing");

    g_rs->cpu_id = NCPU;
    CHECK(percpu_push(block, 1) == PERCPU_BAD_CPU, "a cpu_id beyond the block gives PERCPU_BAD_CPU");
    g_rs->cpu_id = PERCPU_CPU_ID_UNINITIALIZED;
    CHECK(percpu_push(block, 1) == PERCPU_NO_RSEQ, "a negative cpu_id gives PERCPU_NO_RSEQ");
    g_rs->cpu_id = HERE;
    percpu_block_destroy(block);
}

static uint64_t *word(uint64_t *rows, uint32_t cpu, uint32_t index)
{
    return rows + cpu * (ROW / 8) + index;
}

static void check_primitive_sections(void)
{
    uint64_t *rows = calloc(NCPU, ROW);
    CHECK(percpu_op_add(rows, ROW, NCPU, 8, 5) == (int) HERE, "add returns the CPU it used");
    CHECK(percpu_op_add(rows, ROW, NCPU, 8, -2) == (int) HERE && *word(rows, HERE, 1) == 3, "add: 5 - 2 = %lu",
          (unsigned long) *word(rows, HERE, 1));

    CHECK(percpu_op_cmp_store2(rows, ROW, NCPU, 16, 7, 8, 24, 77) == PERCPU_OP_COMPARE_FAILED &&
              *word(rows, HERE, 3) == 0 && *word(rows, HERE, 2) == 0,
          "cmp_store2 with a failed compare writes nothing");
    CHECK(percpu_op_cmp_store2(rows, ROW, NCPU, 16, 0, 8, 24, 77) == PERCPU_OP_OK && *word(rows, HERE, 2) == 8 &&
              *word(rows, HERE, 3) == 77,
          "cmp_store2 stores both words");

    uint8_t src[13];
    for (uint32_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t) (0xa0 + i);
    uint8_t *dst = (uint8_t *) word(rows, HERE, 5);
    CHECK(percpu_op_cmp_copy(rows, ROW, NCPU, 32, 1, 2, 40, src, sizeof src) == PERCPU_OP_COMPARE_FAILED &&
              dst[0] == 0 && *word(rows, HERE, 4) == 0,
          "cmp_copy with a failed compare copies nothing");
    CHECK(percpu_op_cmp_copy(rows, ROW, NCPU, 32, 0, 1, 40, src, 0) == PERCPU_OP_OK && *word(rows, HERE, 4) == 1 &&
              dst[0] == 0,
          "cmp_copy of 0 bytes is a compare-and-store");
    CHECK(percpu_op_cmp_copy(rows, ROW, NCPU, 32, 1, 2, 40, src, sizeof src) == PERCPU_OP_OK &&
              *word(rows, HERE, 4) == 2 && memcmp(dst, src, sizeof src) == 0 && dst[sizeof src] == 0,
          "cmp_copy copies exactly len bytes, then commits");

    uint64_t *counters = calloc(NCPU, ROW);
    int64_t first = percpu_ec_begin(counters, ROW, NCPU);
    int64_t second = percpu_ec_begin(counters, ROW, NCPU);
    CHECK(first == (int64_t) ((uint64_t) HERE << PERCPU_EC_SEQ_BITS | 1) && second == first + 1,
          "ec_begin tickets carry the CPU and count up: %#llx, %#llx", (unsigned long long) first,
          (unsigned long long) second);
    uint64_t target = 0;
    CHECK(percpu_ec_commit(counters, ROW, NCPU, first, &target, 5) == PERCPU_OP_COMPARE_FAILED && target == 0,
          "ec_commit of a stale ticket writes nothing");
    CHECK(percpu_ec_commit(counters, ROW, NCPU, second, &target, 6) == PERCPU_OP_OK && target == 6,
          "ec_commit of the current ticket stores");
    int64_t elsewhere = (int64_t) ((uint64_t) OTHER << PERCPU_EC_SEQ_BITS);
    CHECK(percpu_ec_commit(counters, ROW, NCPU, elsewhere, &target, 7) == PERCPU_OP_NOT_ON_CPU && target == 6,
          "ec_commit of another CPU's ticket fails without a store");
    *word(counters, HERE, 0) = PERCPU_EC_SEQ_MASK;
    CHECK(percpu_ec_begin(counters, ROW, NCPU) == (int64_t) ((uint64_t) HERE << PERCPU_EC_SEQ_BITS),
          "ec_begin wraps at 2^48");

    for (uint32_t i = 0; i < ROW / 8; i++)
        CHECK(*word(rows, OTHER, i) == 0 && *word(counters, OTHER, i) == 0, "the other CPU's row is untouched (%u)", i);
    CHECK(g_rs->rseq_cs == 0, "rseq_cs is disarmed after the calls");
    free(counters);
    free(rows);
}

int main(int argc, char **argv)
{
    (void) argc;
    percpu_test_enter_setup(argv);
    percpu_rseq_uses_glibc = 0;
    percpu_own_state = 1;
    g_rs = percpu_rseq_area();
    CHECK(g_rs == &percpu_own.area, "the stand-in area is in use");
    g_rs->cpu_id = HERE;
    printf("sections: stand-in area, cpu_id %u of %u (no kernel restarts here)\n", HERE, NCPU);
    check_stack_sections();
    check_primitive_sections();
    return percpu_test_report("percpu_sections_test");
}
