/*
 * percpu_disarm_test.c - no call leaves rseq_cs armed, whatever it returns.
 *
 * Every stack operation and every primitive is driven into each kind of
 * return it has, and rs->rseq_cs must read 0 afterwards:
 *   - on the thread's real area (glibc's or percpu's own), the returns a
 *     working registration gives: committed, EMPTY, FULL, STOPPED,
 *     RESTART_LIMIT (test hook: every section aborts itself), and the
 *     primitives' COMPARE_FAILED and NOT_ON_CPU;
 *   - on a stand-in area the kernel does not know (percpu's own TLS area,
 *     marked registered by the test and never given to the kernel, so only
 *     the test writes its cpu_id), NO_RSEQ and BAD_CPU right after a
 *     section aborted itself: the test hook makes the section jump to its
 *     abort handler, and the after-abort callback then changes cpu_id to
 *     -1 or beyond the block before the retry loop reads it again.
 */
#define PERCPU_INJECT 1
#include "../../main/c/percpu_rseq.c"
#include "../../main/c/percpu_block.c"
#include "percpu_primitives.h"
#include "percpu_test_setup.h"
#include "percpu_test_support.h"

#include <stdlib.h>

uint32_t percpu_inject_delay[PERCPU_INJECT_POINTS];
uint64_t percpu_inject_aborts[PERCPU_CS_KINDS][PERCPU_INJECT_POINTS];
__thread uint32_t percpu_inject_point;
void (*percpu_inject_after_abort)(void);

#define ROW 128u

static struct percpu_rseq_area *g_rs;
static uint32_t g_ncpu;
static void *g_block;
static uint64_t *g_rows;

/* Runs one call, checks its result and that rseq_cs is clear after it. */
#define EXPECT_DISARMED(call, expected, what)                                                     \
    do {                                                                                          \
        long long got_ = (long long) (call);                                                      \
        CHECK(got_ == (long long) (expected), "%s: returned %lld, expected %lld", what, got_,     \
              (long long) (expected));                                                            \
        CHECK(g_rs->rseq_cs == 0, "%s: rseq_cs left armed (%#llx)", what,                         \
              (unsigned long long) g_rs->rseq_cs);                                                \
    } while (0)

/*
 * Every registered return of every section, on one CPU the thread pins
 * itself to. Returns 0 when the pin did not hold throughout (a migration
 * storm in the set-up): the checks of that round are then void.
 */
static int check_registered_returns_once(void)
{
    uint32_t cpu = (uint32_t) percpu_current_cpu();
    int failures_before = failures;
    CHECK(percpu_pin_current_thread((int) cpu) == 0, "pin to cpu %u", cpu);
    long migrations = percpu_test_migrations();
    g_block = percpu_block_create(g_ncpu, 2);
    uint32_t in[3] = {7, 8, 9}, out[3];
    EXPECT_DISARMED(percpu_pop(g_block), PERCPU_EMPTY, "pop, empty");
    EXPECT_DISARMED(percpu_pop_batch(g_block, out, 3), 0, "pop_batch, empty");
    EXPECT_DISARMED(percpu_push(g_block, 7), PERCPU_OK, "push, committed");
    EXPECT_DISARMED(percpu_push_batch(g_block, in + 1, 2), 1, "push_batch, committed up to capacity");
    EXPECT_DISARMED(percpu_push(g_block, 9), PERCPU_FULL, "push, full");
    EXPECT_DISARMED(percpu_push_batch(g_block, in, 3), 0, "push_batch, full");
    EXPECT_DISARMED(percpu_pop(g_block), 8, "pop, committed");
    EXPECT_DISARMED(percpu_pop_batch(g_block, out, 3), 1, "pop_batch, committed");
    percpu_cpu_header(g_block, cpu)->stopped = 1;
    EXPECT_DISARMED(percpu_pop(g_block), PERCPU_STOPPED, "pop, stopped");
    EXPECT_DISARMED(percpu_push_batch(g_block, in, 3), PERCPU_STOPPED, "push_batch, stopped");
    percpu_cpu_header(g_block, cpu)->stopped = 0;
    percpu_force_abort = 1;
    EXPECT_DISARMED(percpu_push(g_block, 7), PERCPU_RESTART_LIMIT, "push, restart limit");
    EXPECT_DISARMED(percpu_pop_batch(g_block, out, 3), PERCPU_RESTART_LIMIT, "pop_batch, restart limit");
    EXPECT_DISARMED(percpu_op_add(g_rows, ROW, g_ncpu, 0, 1), PERCPU_RESTART_LIMIT, "add, restart limit");
    percpu_force_abort = 0;

    EXPECT_DISARMED(percpu_op_add(g_rows, ROW, g_ncpu, 0, 1), (int) cpu, "add, committed");
    EXPECT_DISARMED(percpu_op_cmp_store2(g_rows, ROW, g_ncpu, 0, 99, 1, 8, 1), PERCPU_OP_COMPARE_FAILED,
                    "cmp_store2, compare failed");
    EXPECT_DISARMED(percpu_op_cmp_store2(g_rows, ROW, g_ncpu, 0, 1, 2, 8, 1), PERCPU_OP_OK, "cmp_store2, committed");
    uint8_t bytes[4] = {1, 2, 3, 4};
    EXPECT_DISARMED(percpu_op_cmp_copy(g_rows, ROW, g_ncpu, 0, 99, 3, 16, bytes, 4), PERCPU_OP_COMPARE_FAILED,
                    "cmp_copy, compare failed");
    EXPECT_DISARMED(percpu_op_cmp_copy(g_rows, ROW, g_ncpu, 0, 2, 3, 16, bytes, 4), PERCPU_OP_OK,
                    "cmp_copy, committed");
    int64_t ticket = percpu_ec_begin(g_rows + 8, ROW, g_ncpu);
    CHECK(ticket >= 0 && g_rs->rseq_cs == 0, "ec_begin: ticket %lld, rseq_cs %#llx", (long long) ticket,
          (unsigned long long) g_rs->rseq_cs);
    uint64_t target = 0;
    EXPECT_DISARMED(percpu_ec_commit(g_rows + 8, ROW, g_ncpu, ticket + 1, &target, 1), PERCPU_OP_COMPARE_FAILED,
                    "ec_commit, compare failed");
    if (g_ncpu > 1) {
        int64_t elsewhere = (int64_t) ((uint64_t) ((cpu + 1) % g_ncpu) << PERCPU_EC_SEQ_BITS);
        EXPECT_DISARMED(percpu_ec_commit(g_rows + 8, ROW, g_ncpu, elsewhere, &target, 1), PERCPU_OP_NOT_ON_CPU,
                        "ec_commit, not on the ticket's cpu");
    }
    EXPECT_DISARMED(percpu_ec_commit(g_rows + 8, ROW, g_ncpu, ticket, &target, 1), PERCPU_OP_OK,
                    "ec_commit, committed");
    int held = percpu_test_pin_held((int) cpu, migrations);
    if (!held && failures > failures_before) {
        fprintf(stderr, "(the pin to cpu %u was overridden: the %d failure(s) above are void, retrying)\n", cpu,
                failures - failures_before);
        failures = failures_before;
    }
    percpu_pin_current_thread(-1);
    percpu_block_destroy(g_block);
    return held;
}

static void check_registered_returns(void)
{
    int attempts = 1;
    while (!check_registered_returns_once() && attempts < 1000)
        attempts++;
    if (attempts == 1000)
        printf("registered returns: every one of %d pins was overridden by the set-up: skipped\n", attempts);
}

/* The after-abort callback: what the retry loop reads as cpu_id next. */
static uint32_t g_cpu_after_abort;
static void change_cpu_id(void)
{
    g_rs->cpu_id = g_cpu_after_abort;
}

/* One call on the stand-in area: its section aborts itself once, then cpu_id reads next_cpu. */
#define EXPECT_DISARMED_AFTER_SELF_ABORT(call, next_cpu, expected, what)                          \
    do {                                                                                          \
        g_rs->cpu_id = 0;                                                                         \
        g_cpu_after_abort = (next_cpu);                                                           \
        uint64_t aborts_ = percpu_thread_aborts();                                                \
        percpu_force_abort = 1;                                                                   \
        percpu_inject_after_abort = change_cpu_id;                                                \
        EXPECT_DISARMED(call, expected, what);                                                    \
        percpu_inject_after_abort = NULL;                                                         \
        percpu_force_abort = 0;                                                                   \
        CHECK(percpu_thread_aborts() - aborts_ == 1, "%s: the section aborted %llu times, not once", what, \
              (unsigned long long) (percpu_thread_aborts() - aborts_));                           \
    } while (0)

static void check_returns_after_self_abort(void)
{
    /* The stand-in: this thread's own area, never registered, so the kernel never writes it. */
    percpu_rseq_uses_glibc = 0;
    percpu_own_state = 1;
    g_rs = percpu_rseq_area();
    CHECK(g_rs == &percpu_own.area, "the stand-in area is in use");
    g_block = percpu_block_create(g_ncpu, 4);
    uint32_t in[2] = {1, 2}, out[2];
    uint32_t beyond = g_ncpu, none = PERCPU_CPU_ID_UNINITIALIZED;
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_pop(g_block), beyond, PERCPU_BAD_CPU, "pop, bad cpu");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_pop(g_block), none, PERCPU_NO_RSEQ, "pop, no rseq");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_push(g_block, 1), beyond, PERCPU_BAD_CPU, "push, bad cpu");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_push(g_block, 1), none, PERCPU_NO_RSEQ, "push, no rseq");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_pop_batch(g_block, out, 2), beyond, PERCPU_BAD_CPU, "pop_batch, bad cpu");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_pop_batch(g_block, out, 2), none, PERCPU_NO_RSEQ, "pop_batch, no rseq");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_push_batch(g_block, in, 2), beyond, PERCPU_BAD_CPU,
                                     "push_batch, bad cpu");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_push_batch(g_block, in, 2), none, PERCPU_NO_RSEQ, "push_batch, no rseq");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_op_add(g_rows, ROW, g_ncpu, 0, 1), beyond, PERCPU_BAD_CPU,
                                     "add, bad cpu");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_op_add(g_rows, ROW, g_ncpu, 0, 1), none, PERCPU_NO_RSEQ, "add, no rseq");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_op_cmp_store2(g_rows, ROW, g_ncpu, 0, 0, 1, 8, 1), beyond,
                                     PERCPU_BAD_CPU, "cmp_store2, bad cpu");
    uint8_t bytes[1] = {1};
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_op_cmp_copy(g_rows, ROW, g_ncpu, 0, 0, 1, 16, bytes, 1), none,
                                     PERCPU_NO_RSEQ, "cmp_copy, no rseq");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_ec_begin(g_rows + 8, ROW, g_ncpu), beyond, PERCPU_BAD_CPU,
                                     "ec_begin, bad cpu");
    EXPECT_DISARMED_AFTER_SELF_ABORT(percpu_ec_commit(g_rows + 8, ROW, g_ncpu, 0, g_rows, 1), none,
                                     PERCPU_NO_RSEQ, "ec_commit, no rseq");
    percpu_block_destroy(g_block);
}

int main(int argc, char **argv)
{
    (void) argc;
    percpu_test_enter_setup(argv);
    g_ncpu = (uint32_t) percpu_possible_cpus();
    g_rows = calloc(g_ncpu * 2, ROW);
    g_rs = percpu_rseq_area();
    if (percpu_rseq_status() == PERCPU_RSEQ_UNAVAILABLE)
        printf("rseq unavailable here: registered returns skipped\n");
    else
        check_registered_returns();
    check_returns_after_self_abort();
    free(g_rows);
    return percpu_test_report("percpu_disarm_test");
}
