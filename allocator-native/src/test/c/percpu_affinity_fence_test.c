/*
 * percpu_affinity_fence_test.c - the affinity fence (forced through the
 * percpu_remote_force_affinity_fence seam, as on a kernel without
 * membarrier-RSEQ) on a block made for more CPUs than this process may use.
 *
 * The block has possible + 3 CPUs: the last three exist nowhere, so
 * sched_setaffinity refuses them like an offline CPU or one outside the
 * cpuset. Checked:
 *   - remote put, take and capacity change on such a CPU succeed (it counts
 *     as fenced, and the fence says so in its "absent" count);
 *   - on real CPUs the fence moves the caller there, and the caller's own
 *     narrow affinity is what it has again after every remote call;
 *   - with workers pushing and popping on the real CPUs meanwhile, every
 *     index ends up exactly once in the stacks or with the test;
 *   - close succeeds and unmaps the slot arrays (nothing leaks).
 */
#define _GNU_SOURCE
#include "../../main/c/percpu_rseq.c"
#include "../../main/c/percpu_block.c"
#include "../../main/c/percpu_remote.c"
#include "percpu_stack_ops.h"
#include "percpu_test_setup.h"
#include "percpu_test_support.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define STRIDE 64u
/* Slot arrays of 8 KiB: the block spans pages past its header page, which close must unmap. */
#define BLOCK_STRIDE 2048u
#define ABSENT 3u
#define HELD_MAX 16u

static void *g_block;
static uint32_t g_real;
static uint32_t g_ncpu;
static uint32_t g_indices;
static atomic_int g_stop;
static cpu_set_t g_mine;

/* The test's own holding list: entries taken off stacks (and handed back by workers). */
static struct percpu_test_list g_held = {.lock = PTHREAD_MUTEX_INITIALIZER};

/*
 * The fence must give the caller back the affinity it had. A migration storm
 * in the set-up changes threads' affinity from outside at any moment, which
 * makes a mismatch prove nothing: mismatches are counted (and the affinity
 * set again), and judged at the end by outside_mover_seen.
 */
static unsigned g_restore_mismatches;
static const char *g_first_mismatch;

static void check_affinity_restored(const char *what)
{
    cpu_set_t now;
    sched_getaffinity(0, sizeof now, &now);
    if (!CPU_EQUAL(&now, &g_mine)) {
        if (g_restore_mismatches++ == 0)
            g_first_mismatch = what;
        sched_setaffinity(0, sizeof g_mine, &g_mine);
    }
}

/* Whether something outside this test changes the thread's affinity: watched for up to 2 s, no remote call made. */
static int outside_mover_seen(void)
{
    sched_setaffinity(0, sizeof g_mine, &g_mine);
    struct timespec step = {0, 1000 * 1000};
    for (int i = 0; i < 2000; i++) {
        cpu_set_t now;
        sched_getaffinity(0, sizeof now, &now);
        if (!CPU_EQUAL(&now, &g_mine))
            return 1;
        nanosleep(&step, NULL);
    }
    return 0;
}

static void judge_affinity_restores(void)
{
    if (g_restore_mismatches == 0)
        return;
    if (outside_mover_seen()) {
        printf("affinity fence: the set-up moves threads from outside: %u restore mismatches not judged, "
               "restore checks skipped\n", g_restore_mismatches);
        return;
    }
    CHECK(0, "%s (and %u remote calls in all): the caller's affinity was not restored", g_first_mismatch,
          g_restore_mismatches);
}

/* Local users on the real CPUs: pop some, push them back, in rseq mode. */
static void *worker(void *arg)
{
    unsigned int seed = (unsigned int) (uintptr_t) arg;
    uint32_t mine[HELD_MAX];
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        uint32_t want = 1 + (uint32_t) rand_r(&seed) % HELD_MAX;
        int got = percpu_pop_batch(g_block, mine, want);
        if (got <= 0)
            continue;
        int pushed = percpu_push_batch(g_block, mine, (uint32_t) got);
        uint32_t back = pushed > 0 ? (uint32_t) pushed : 0;
        percpu_test_list_put(&g_held, mine + back, (uint32_t) got - back);
    }
    return NULL;
}

static void check_conservation(void)
{
    uint32_t *seen = calloc(g_indices, sizeof *seen);
    uint32_t found = 0;
    for (uint32_t cpu = 0; cpu < g_ncpu; cpu++) {
        struct percpu_cpu_header *hdr = percpu_cpu_header(g_block, cpu);
        const uint32_t *slots = (const uint32_t *) (uintptr_t) hdr->slots;
        for (uint32_t i = 0; i < hdr->top; i++, found++)
            seen[slots[i]]++;
    }
    for (uint32_t i = 0; i < g_held.len; i++, found++)
        seen[g_held.items[i]]++;
    uint32_t wrong = 0;
    for (uint32_t i = 0; i < g_indices; i++)
        wrong += seen[i] != 1;
    CHECK(wrong == 0 && found == g_indices && g_held.excess == 0,
          "conservation: %u indices not seen exactly once, %u found of %u", wrong, found, g_indices);
    free(seen);
}

int main(int argc, char **argv)
{
    (void) argc;
    percpu_test_enter_setup(argv);
    g_real = (uint32_t) percpu_possible_cpus();
    g_ncpu = g_real + ABSENT;
    g_indices = STRIDE * g_ncpu / 2;
    g_held.items = malloc(sizeof *g_held.items * g_indices);
    g_held.room = g_indices;
    for (uint32_t i = 0; i < g_indices; i++)
        g_held.items[g_held.len++] = i;
    percpu_remote_force_affinity_fence(1);
    CHECK(percpu_remote_fence_kind() == PERCPU_FENCE_AFFINITY, "the seam forces the affinity fence");
    int rseq = percpu_rseq_status() != PERCPU_RSEQ_UNAVAILABLE;

    /* The caller's own affinity: the first CPU it may use, so that a restore to "all CPUs" would show. */
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    CPU_ZERO(&g_mine);
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &allowed)) {
            CPU_SET(c, &g_mine);
            break;
        }
    }
    sched_setaffinity(0, sizeof g_mine, &g_mine);

    g_block = percpu_block_create(g_ncpu, BLOCK_STRIDE);
    CHECK(g_block != NULL, "block for %u CPUs", g_ncpu);
    uint32_t buf[STRIDE];
    /* Fill every stack, the absent CPUs' too, by remote puts. */
    uint64_t absent_before = percpu_fence_absent_count;
    for (uint32_t cpu = 0; cpu < g_ncpu; cpu++) {
        uint32_t n = percpu_test_list_take(&g_held, buf, STRIDE / 2);
        int pushed = percpu_remote_put(g_block, cpu, buf, n, 0);
        CHECK(pushed == (int) n, "remote put of %u on cpu %u: %d", n, cpu, pushed);
        uint32_t in = pushed > 0 ? (uint32_t) pushed : 0;
        percpu_test_list_put(&g_held, buf + in, n - in);
        check_affinity_restored("remote put");
    }
    CHECK(percpu_fence_absent_count - absent_before >= ABSENT, "the absent CPUs counted as fenced: %llu",
          (unsigned long long) (percpu_fence_absent_count - absent_before));

    pthread_t workers[4];
    int nworkers = rseq ? 4 : 0;
    atomic_store(&g_stop, 0);
    for (int i = 0; i < nworkers; i++)
        pthread_create(&workers[i], NULL, worker, (void *) (uintptr_t) (i + 1));
    uint64_t fences_before = percpu_remote_fences();
    for (int round = 0; round < 200; round++) {
        uint32_t cpu = (uint32_t) round % g_ncpu;
        int k = percpu_remote_take(g_block, cpu, buf, STRIDE / 4, 0);
        CHECK(k >= 0, "remote take on cpu %u: %d", cpu, k);
        if (k > 0)
            percpu_test_list_put(&g_held, buf, (uint32_t) k);
        check_affinity_restored("remote take");
        uint32_t n = percpu_test_list_take(&g_held, buf, STRIDE / 8);
        int pushed = percpu_remote_put(g_block, cpu, buf, n, 0);
        CHECK(pushed >= 0, "remote put on cpu %u: %d", cpu, pushed);
        uint32_t in = pushed > 0 ? (uint32_t) pushed : 0;
        percpu_test_list_put(&g_held, buf + in, n - in);
        int moved = percpu_remote_set_capacity(g_block, cpu, round % 2 ? STRIDE : STRIDE / 2, buf, STRIDE, 0);
        CHECK(moved >= 0, "capacity change on cpu %u: %d", cpu, moved);
        if (moved > 0)
            percpu_test_list_put(&g_held, buf, (uint32_t) moved);
        check_affinity_restored("capacity change");
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    CHECK(percpu_remote_fences() > fences_before, "remote calls ran fences");
    check_conservation();

    struct percpu_cpu_header *last = percpu_cpu_header(g_block, g_ncpu - 1);
    void *slots = (void *) (uintptr_t) last->slots;
    int closed = percpu_block_close(g_block, 0);
    CHECK(closed == 0, "close with absent CPUs: %d", closed);
    check_affinity_restored("close");
    judge_affinity_restores();
    long page = sysconf(_SC_PAGESIZE);
    void *page_start = (void *) ((uintptr_t) slots & ~((uintptr_t) page - 1));
    CHECK(msync(page_start, (size_t) page, MS_ASYNC) != 0 && errno == ENOMEM,
          "close left the slot arrays mapped");
    for (uint32_t cpu = 0; cpu < g_ncpu; cpu++)
        CHECK(percpu_cpu_header(g_block, cpu)->stopped == 1, "cpu %u not stopped after close", cpu);
    printf("affinity fence: %u real + %u absent CPUs, %llu fences (%llu on absent CPUs), workers %d\n", g_real,
           ABSENT, (unsigned long long) percpu_remote_fences(), (unsigned long long) percpu_fence_absent_count,
           nworkers);
    free(g_held.items);
    return percpu_test_report("percpu_affinity_fence_test");
}
