/*
 * percpu_stress_test.c - native stress test of the per-CPU stack sections.
 *
 * Built from the same sources as the library, with PERCPU_INJECT defined so
 * that every section spins at numbered injection points. 6 x nproc worker
 * threads push and pop random batches on one block while
 *   - a signal thread sends SIGURG (no-op handler) to random workers,
 *   - one busy thread pinned to each CPU competes with the workers,
 *   - a drainer thread takes entries off random CPUs' stacks remotely
 *     (stop + membarrier fence in rseq mode, the lock in fallback mode),
 * so sections are preempted, migrated and signalled at every point. A
 * mutex-guarded overflow list stands in for the depot: entries that do not
 * fit go there, empty stacks refill from it.
 *
 * Checked: conservation (every index exactly once at the end, in the
 * stacks, the overflow list or nowhere else), aborts counted per section
 * kind and injection point, including the point inside the copy loops
 * (printed as a table; the test fails if any point of any kind never
 * aborted in rseq mode), the restart
 * bound under the force-abort hook, LIFO order and the full/empty edges.
 * The same run is repeated in fallback mode (no aborts expected there).
 * A second stress runs the research primitives the same way: per-CPU add
 * (the sum must equal the number of adds) and the event-count
 * begin / compute / commit (the per-CPU values must sum to the number of
 * successful commits), with aborts counted per kind and point the same way.
 *
 * Usage: percpu_stress_test [seconds per mode], default 2.
 */
#define PERCPU_INJECT 1
#include "../../main/c/percpu_rseq.c"
#include "../../main/c/percpu_block.c"
#include "../../main/c/percpu_remote.c"
#include "percpu_primitives.h"
#include "percpu_test_setup.h"
#include "percpu_test_support.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

uint32_t percpu_inject_delay[PERCPU_INJECT_POINTS];
uint64_t percpu_inject_aborts[PERCPU_CS_KINDS][PERCPU_INJECT_POINTS];
__thread uint32_t percpu_inject_point;
void (*percpu_inject_after_abort)(void);

static const char *const kind_names[PERCPU_CS_KINDS] = {
    [PERCPU_KIND_POP] = "pop",           [PERCPU_KIND_PUSH] = "push",
    [PERCPU_KIND_POP_BATCH] = "pop_batch", [PERCPU_KIND_PUSH_BATCH] = "push_batch",
    [PERCPU_KIND_ADD] = "add",           [PERCPU_KIND_CMP_STORE2] = "cmp_store2",
    [PERCPU_KIND_CMP_COPY] = "cmp_copy", [PERCPU_KIND_EC_BEGIN] = "ec_begin",
    [PERCPU_KIND_EC_COMMIT] = "ec_commit",
};

#define MAX_HELD 64
#define MAX_THREADS 256

static void *g_block;
static uint32_t g_indices;
static int g_fallback;
static atomic_int g_stop;
static atomic_ulong g_signals;
static atomic_ulong g_ops;
static atomic_ulong g_unexpected;
static pthread_t g_workers[MAX_THREADS];
static int g_nworkers;

/* The overflow list ("depot" of this test). */
static struct percpu_test_list g_overflow = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void overflow_put(const uint32_t *in, uint32_t n)
{
    percpu_test_list_put(&g_overflow, in, n);
}

static uint32_t overflow_take(uint32_t *out, uint32_t n)
{
    return percpu_test_list_take(&g_overflow, out, n);
}

static int op_pop_batch(uint32_t *out, uint32_t n)
{
    return g_fallback ? percpu_fb_pop_batch(g_block, out, n) : percpu_pop_batch(g_block, out, n);
}

static int op_push_batch(const uint32_t *in, uint32_t n)
{
    return g_fallback ? percpu_fb_push_batch(g_block, in, n) : percpu_push_batch(g_block, in, n);
}

static int op_pop(void)
{
    return g_fallback ? percpu_fb_pop(g_block) : percpu_pop(g_block);
}

static int op_push(uint32_t index)
{
    return g_fallback ? percpu_fb_push(g_block, index) : percpu_push(g_block, index);
}

/* Codes after which the caller goes to the shared list; anything else is a bug here. */
static int goes_to_overflow(int r)
{
    return r == PERCPU_RESTART_LIMIT || r == PERCPU_BUSY || r == PERCPU_STOPPED;
}

static void *worker(void *arg)
{
    unsigned int seed = (unsigned int) (uintptr_t) arg * 2654435761u;
    uint32_t held[MAX_HELD];
    uint32_t nheld = 0;
    unsigned long ops = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        uint32_t choice = (uint32_t) rand_r(&seed);
        if ((choice & 1) && nheld < MAX_HELD) {
            uint32_t want = 1 + (choice >> 1) % (MAX_HELD - nheld);
            int r;
            if (want == 1) {
                r = op_pop();
                if (r >= 0) {
                    held[nheld++] = (uint32_t) r;
                    r = 1;
                } else if (r == PERCPU_EMPTY) {
                    r = 0;
                }
            } else {
                r = op_pop_batch(held + nheld, want);
                if (r > 0)
                    nheld += (uint32_t) r;
            }
            if (r == 0 || goes_to_overflow(r)) {
                nheld += overflow_take(held + nheld, want);
            } else if (r < 0) {
                atomic_fetch_add(&g_unexpected, 1);
            }
        } else if (nheld > 0) {
            uint32_t give = 1 + (choice >> 1) % nheld;
            int r;
            if (give == 1) {
                r = op_push(held[nheld - 1]);
                r = r == PERCPU_OK ? 1 : r == PERCPU_FULL ? 0 : r;
            } else {
                r = op_push_batch(held + nheld - give, give);
            }
            if (r >= 0) {
                /* The first r of the last `give` entries went to the stack; the rest overflow. */
                overflow_put(held + nheld - give + r, give - (uint32_t) r);
            } else if (goes_to_overflow(r)) {
                overflow_put(held + nheld - give, give);
            } else {
                atomic_fetch_add(&g_unexpected, 1);
                overflow_put(held + nheld - give, give);
            }
            nheld -= give;
        }
        ops++;
    }
    overflow_put(held, nheld);
    atomic_fetch_add(&g_ops, ops);
    return NULL;
}

static void on_sigurg(int sig)
{
    (void) sig;
    atomic_fetch_add_explicit(&g_signals, 1, memory_order_relaxed);
}

static void *signaller(void *arg)
{
    (void) arg;
    unsigned int seed = 7;
    struct timespec pause = {0, 50 * 1000};
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        pthread_kill(g_workers[rand_r(&seed) % g_nworkers], SIGURG);
        nanosleep(&pause, NULL);
    }
    return NULL;
}


/*
 * Runs the storm for at least min_seconds, then on until done() says every
 * kind of progress a check below asks for was seen, or until a generous
 * deadline: no check depends on how fast this machine or set-up is (under a
 * signal and migration storm progress can be slow). Sleeps in short steps,
 * since a storm's signals cut sleeps short.
 */
#define PROGRESS_DEADLINE_SECONDS 120.0
static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void run_until_progress(double min_seconds, int (*done)(void))
{
    double start = seconds_now();
    struct timespec step = {0, 10 * 1000 * 1000};
    while (seconds_now() - start < min_seconds || (!done() && seconds_now() - start < PROGRESS_DEADLINE_SECONDS))
        nanosleep(&step, NULL);
}

static atomic_ulong g_remote_taken;
static atomic_ulong g_remote_put;
static atomic_ulong g_capacity_changes;

/*
 * Zeroes the abort counts and sets the delays (before any worker runs):
 * delay at points 1 and 2, a sixteenth of it at the loop point, which a
 * section passes once per entry or byte it copies.
 */
static void reset_injection(uint32_t delay)
{
    memset(percpu_inject_aborts, 0, sizeof percpu_inject_aborts);
    for (int p = 0; p < PERCPU_INJECT_POINTS; p++)
        percpu_inject_delay[p] = p == 0 ? 0 : p == PERCPU_INJECT_LOOP_POINT ? delay / 16 : delay;
}

/* Every injection point of every kind in [first, last] aborted at least once (rseq mode only). */
static int every_point_aborted(enum percpu_cs_kind first, enum percpu_cs_kind last)
{
    if (g_fallback)
        return 1;
    for (int kind = first; kind <= (int) last; kind++)
        for (int p = 1; p < PERCPU_INJECT_POINTS; p++)
            if ((percpu_inject_points_of(kind) & 1u << p) &&
                __atomic_load_n(&percpu_inject_aborts[kind][p], __ATOMIC_RELAXED) == 0)
                return 0;
    return 1;
}

/*
 * Prints the aborts of kinds [first, last] per injection point and returns
 * their sum; in rseq mode checks that every point of every kind aborted.
 */
static uint64_t report_aborts(const char *mode, enum percpu_cs_kind first, enum percpu_cs_kind last)
{
    uint64_t total = 0;
    printf("%s: aborts per section kind and injection point (- : no such point in that kind)\n", mode);
    printf("  %-11s %10s %10s %10s %10s\n", "kind", "point 0", "point 1", "point 2", "loop (3)");
    for (int kind = first; kind <= (int) last; kind++) {
        printf("  %-11s", kind_names[kind]);
        for (int p = 0; p < PERCPU_INJECT_POINTS; p++) {
            total += percpu_inject_aborts[kind][p];
            if (p == 0 || (percpu_inject_points_of(kind) & 1u << p))
                printf(" %10lu", (unsigned long) percpu_inject_aborts[kind][p]);
            else
                printf(" %10s", "-");
            if (!g_fallback && p > 0 && (percpu_inject_points_of(kind) & 1u << p))
                CHECK(percpu_inject_aborts[kind][p] > 0, "%s: %s never aborted at injection point %d", mode,
                      kind_names[kind], p);
        }
        printf("\n");
    }
    return total;
}

static int stack_progress_seen(void)
{
    return atomic_load(&g_signals) > 0 && atomic_load(&g_remote_taken) > 0 && atomic_load(&g_remote_put) > 0 &&
           atomic_load(&g_capacity_changes) > 0 && every_point_aborted(PERCPU_KIND_POP, PERCPU_KIND_PUSH_BATCH);
}

/*
 * The remote side, racing the workers' local pushes and pops: takes entries
 * off a random CPU's stack, puts entries from the overflow list onto one,
 * and changes a CPU's capacity (entries above a lowered capacity go to the
 * overflow list), in turn.
 */
static void *drainer(void *arg)
{
    (void) arg;
    unsigned int seed = 11;
    uint32_t stride = percpu_cpu_header(g_block, 0)->capacity;
    uint32_t buf[256];
    struct timespec pause = {0, 500 * 1000};
    for (unsigned long round = 0; !atomic_load_explicit(&g_stop, memory_order_relaxed); round++) {
        uint32_t cpu = (uint32_t) rand_r(&seed) % percpu_block_ncpu(g_block);
        int k;
        if (round % 3 == 0) {
            k = percpu_remote_take(g_block, cpu, buf, 64, g_fallback);
            if (k > 0) {
                overflow_put(buf, (uint32_t) k);
                atomic_fetch_add(&g_remote_taken, (unsigned long) k);
            }
        } else if (round % 3 == 1) {
            uint32_t n = overflow_take(buf, 1 + (uint32_t) rand_r(&seed) % 32);
            k = percpu_remote_put(g_block, cpu, buf, n, g_fallback);
            if (k >= 0) {
                overflow_put(buf + k, n - (uint32_t) k);
                atomic_fetch_add(&g_remote_put, (unsigned long) k);
            } else {
                overflow_put(buf, n);
            }
        } else {
            uint32_t capacity = stride / 4 + (uint32_t) rand_r(&seed) % (stride - stride / 4 + 1);
            k = percpu_remote_set_capacity(g_block, cpu, capacity, buf, stride, g_fallback);
            if (k >= 0) {
                overflow_put(buf, (uint32_t) k);
                atomic_fetch_add(&g_capacity_changes, 1);
            }
        }
        if (k < 0)
            atomic_fetch_add(&g_unexpected, 1);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static void *pinned_spinner(void *arg)
{
    int cpu = (int) (intptr_t) arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    volatile unsigned long sink = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        for (int i = 0; i < 20000; i++)
            sink += (unsigned long) i;
        sched_yield();
    }
    return NULL;
}

/* Every index must be found exactly once across all stacks and the overflow list. */
static void check_conservation(const char *mode)
{
    uint32_t *seen = calloc(g_indices, sizeof *seen);
    uint32_t ncpu = percpu_block_ncpu(g_block);
    uint64_t found = 0;
    for (uint32_t cpu = 0; cpu < ncpu; cpu++) {
        struct percpu_cpu_header *hdr = percpu_cpu_header(g_block, cpu);
        const uint32_t *slots = (const uint32_t *) (uintptr_t) hdr->slots;
        CHECK(hdr->top <= hdr->capacity, "%s: cpu %u top %u > capacity %u", mode, cpu, hdr->top, hdr->capacity);
        CHECK(hdr->lock == 0, "%s: cpu %u lock left taken", mode, cpu);
        for (uint32_t i = 0; i < hdr->top; i++) {
            CHECK(slots[i] < g_indices, "%s: garbage index %u on cpu %u", mode, slots[i], cpu);
            if (slots[i] < g_indices)
                seen[slots[i]]++;
            found++;
        }
    }
    for (uint32_t i = 0; i < g_overflow.len; i++) {
        CHECK(g_overflow.items[i] < g_indices, "%s: garbage index %u in overflow", mode, g_overflow.items[i]);
        if (g_overflow.items[i] < g_indices)
            seen[g_overflow.items[i]]++;
        found++;
    }
    CHECK(g_overflow.excess == 0, "%s: %lu more entries than indices reached the overflow list", mode,
          (unsigned long) g_overflow.excess);
    uint32_t lost = 0, duplicated = 0;
    for (uint32_t i = 0; i < g_indices; i++) {
        lost += seen[i] == 0;
        duplicated += seen[i] > 1;
    }
    CHECK(lost == 0 && duplicated == 0 && found == g_indices,
          "%s: conservation broken: %u lost, %u duplicated, %lu found of %u", mode, lost, duplicated,
          (unsigned long) found, g_indices);
    printf("%s: conservation %s, %u indices: %lu on stacks, %u in overflow\n", mode,
           lost == 0 && duplicated == 0 ? "ok" : "BROKEN", g_indices,
           (unsigned long) (found - g_overflow.len), g_overflow.len);
    free(seen);
}

static void stress(int fallback, double seconds, uint32_t delay)
{
    int nproc = (int) sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t ncpu = (uint32_t) percpu_possible_cpus();
    uint32_t stride = 256;
    g_fallback = fallback;
    g_indices = stride * ncpu;
    g_block = percpu_block_create(ncpu, stride);
    CHECK(g_block != NULL, "block create");
    g_overflow.items = malloc(sizeof *g_overflow.items * g_indices);
    g_overflow.room = g_indices;
    g_overflow.len = 0;
    g_overflow.excess = 0;
    for (uint32_t i = 0; i < g_indices; i++)
        g_overflow.items[g_overflow.len++] = i;
    reset_injection(delay);
    atomic_store(&g_stop, 0);
    atomic_store(&g_signals, 0);
    atomic_store(&g_ops, 0);
    atomic_store(&g_unexpected, 0);

    g_nworkers = 6 * nproc;
    if (g_nworkers > MAX_THREADS)
        g_nworkers = MAX_THREADS;
    for (int i = 0; i < g_nworkers; i++)
        pthread_create(&g_workers[i], NULL, worker, (void *) (uintptr_t) (i + 1));
    pthread_t spinners[MAX_THREADS];
    int nspin = nproc < MAX_THREADS ? nproc : MAX_THREADS;
    for (int i = 0; i < nspin; i++)
        pthread_create(&spinners[i], NULL, pinned_spinner, (void *) (intptr_t) i);
    pthread_t sig, drain;
    atomic_store(&g_remote_taken, 0);
    atomic_store(&g_remote_put, 0);
    atomic_store(&g_capacity_changes, 0);
    uint64_t fences_before = percpu_remote_fences();
    pthread_create(&sig, NULL, signaller, NULL);
    pthread_create(&drain, NULL, drainer, NULL);

    run_until_progress(seconds, stack_progress_seen);
    atomic_store(&g_stop, 1);
    pthread_join(sig, NULL);
    pthread_join(drain, NULL);
    for (int i = 0; i < g_nworkers; i++)
        pthread_join(g_workers[i], NULL);
    for (int i = 0; i < nspin; i++)
        pthread_join(spinners[i], NULL);

    const char *mode = fallback ? "fallback" : "rseq";
    uint64_t total_aborts = report_aborts(mode, PERCPU_KIND_POP, PERCPU_KIND_PUSH_BATCH);
    printf("%s: %d workers, %lu ops, %lu signals, %lu aborts\n", mode, g_nworkers,
           (unsigned long) atomic_load(&g_ops), (unsigned long) atomic_load(&g_signals), (unsigned long) total_aborts);
    CHECK(atomic_load(&g_unexpected) == 0, "%s: %lu unexpected result codes", mode,
          (unsigned long) atomic_load(&g_unexpected));
    printf("%s: drainer took %lu entries remotely, %lu fences (kind %d)\n", mode,
           (unsigned long) atomic_load(&g_remote_taken), (unsigned long) (percpu_remote_fences() - fences_before),
           percpu_remote_fence_kind());
    CHECK(atomic_load(&g_signals) > 0, "%s: no signal was delivered", mode);
    printf("%s: %lu entries put remotely, %lu capacity changes\n", mode, (unsigned long) atomic_load(&g_remote_put),
           (unsigned long) atomic_load(&g_capacity_changes));
    CHECK(atomic_load(&g_remote_taken) > 0, "%s: the drainer never took anything", mode);
    CHECK(atomic_load(&g_remote_put) > 0, "%s: the drainer never put anything", mode);
    CHECK(atomic_load(&g_capacity_changes) > 0, "%s: the drainer never changed a capacity", mode);
    if (!fallback)
        CHECK(percpu_remote_fences() > fences_before, "%s: remote takes ran no fence", mode);
    if (fallback)
        CHECK(total_aborts == 0, "%s: fallback mode must not abort, saw %lu", mode, (unsigned long) total_aborts);
    check_conservation(mode);
    percpu_block_destroy(g_block);
    free(g_overflow.items);
}

/* Research primitives under the same storm: rows of 16 longs per CPU. */
#define ROW_BYTES 128u
static uint64_t *g_rows;      /* word 0: add counter, word 1: event-count value */
static uint64_t *g_counters;  /* event counters, one row per CPU */
static void *g_locks;
static uint32_t g_ncpu;
static atomic_ulong g_adds;
static atomic_ulong g_stores;  /* committed compare-and-store2 increments (word 2) */
static atomic_ulong g_copies;  /* committed compare-and-copy increments (word 4) */

/* Words of a primitives row used by the compare-and-store variants. */
#define STORE2_WORD 2u      /* counter moved by cmp_store2; its second store goes to word 3 */
#define COPY_WORD 4u        /* counter moved by cmp_copy; the copy goes to words 5 and 6 */

/*
 * One increment of a row word through a compare-and-store variant: read the
 * word on the CPU the thread is on, then ask for word == seen -> seen + 1 on
 * whatever CPU the call runs on. Whichever row it lands on, a commit adds
 * exactly one, so the rows' words must sum to the commits. Returns 1 on a
 * commit, 0 on a failed compare or a give-up, -1 on anything else.
 */
static int compare_and_increment(int copy)
{
    int here = sched_getcpu();
    uint32_t cpu = here < 0 ? 0 : (uint32_t) here % g_ncpu;
    uint32_t word = copy ? COPY_WORD : STORE2_WORD;
    uint64_t seen = __atomic_load_n(&g_rows[cpu * (ROW_BYTES / 8) + word], __ATOMIC_RELAXED);
    uint64_t payload[2] = {seen + 1, ~(seen + 1)};
    int r;
    if (g_fallback)
        r = percpu_op_cmp_fb(g_rows, ROW_BYTES, g_ncpu, g_locks, word * 8, seen, seen + 1, !copy, 8 * (word + 1),
                             seen + 1, 8 * (word + 1), (const uint8_t *) payload, sizeof payload);
    else if (copy)
        r = percpu_op_cmp_copy(g_rows, ROW_BYTES, g_ncpu, word * 8, seen, seen + 1, 8 * (word + 1),
                               (const uint8_t *) payload, sizeof payload);
    else
        r = percpu_op_cmp_store2(g_rows, ROW_BYTES, g_ncpu, word * 8, seen, seen + 1, 8 * (word + 1), seen + 1);
    if (r == PERCPU_OP_OK)
        return 1;
    return r == PERCPU_OP_COMPARE_FAILED || r == PERCPU_RESTART_LIMIT || r == PERCPU_BUSY ? 0 : -1;
}
static atomic_ulong g_commits;
static atomic_ulong g_commit_failures;

static void *primitive_worker(void *arg)
{
    unsigned int seed = (unsigned int) (uintptr_t) arg;
    unsigned long adds = 0, commits = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        int r = g_fallback ? percpu_op_add_fb(g_rows, ROW_BYTES, g_ncpu, g_locks, 0, 1)
                           : percpu_op_add(g_rows, ROW_BYTES, g_ncpu, 0, 1);
        if (r >= 0)
            adds++;
        else if (r != PERCPU_RESTART_LIMIT && r != PERCPU_BUSY)
            atomic_fetch_add(&g_unexpected, 1);
        for (int copy = 0; copy <= 1; copy++) {
            int done = compare_and_increment(copy);
            if (done < 0)
                atomic_fetch_add(&g_unexpected, 1);
            else if (done > 0)
                atomic_fetch_add_explicit(copy ? &g_copies : &g_stores, 1, memory_order_relaxed);
        }
        int64_t ticket = g_fallback ? percpu_ec_begin_fb(g_counters, ROW_BYTES, g_ncpu, g_locks)
                                    : percpu_ec_begin(g_counters, ROW_BYTES, g_ncpu);
        if (ticket < 0)
            continue;
        uint32_t cpu = (uint32_t) ((uint64_t) ticket >> PERCPU_EC_SEQ_BITS);
        uint64_t *value = (uint64_t *) ((uint8_t *) g_rows + ROW_BYTES * cpu + 8);
        uint64_t next = __atomic_load_n(value, __ATOMIC_RELAXED) + 1;
        for (unsigned spin = rand_r(&seed) % 64; spin > 0; spin--)
            __asm__ volatile("" ::: "memory");
        r = g_fallback ? percpu_ec_commit_fb(g_counters, ROW_BYTES, g_ncpu, g_locks, ticket, value, next)
                       : percpu_ec_commit(g_counters, ROW_BYTES, g_ncpu, ticket, value, next);
        if (r == PERCPU_OP_OK)
            commits++;
        else
            atomic_fetch_add_explicit(&g_commit_failures, 1, memory_order_relaxed);
    }
    atomic_fetch_add(&g_adds, adds);
    atomic_fetch_add(&g_commits, commits);
    return NULL;
}

static int primitives_progress_seen(void)
{
    return atomic_load(&g_signals) > 0 && atomic_load(&g_commit_failures) > 0 &&
           every_point_aborted(PERCPU_KIND_ADD, PERCPU_KIND_EC_COMMIT);
}

static void primitives_stress(int fallback, double seconds, uint32_t delay)
{
    int nproc = (int) sysconf(_SC_NPROCESSORS_ONLN);
    g_fallback = fallback;
    g_ncpu = (uint32_t) percpu_possible_cpus();
    g_rows = calloc(g_ncpu, ROW_BYTES);
    g_counters = calloc(g_ncpu, ROW_BYTES);
    g_locks = calloc(g_ncpu, PERCPU_LINE);
    reset_injection(delay);
    atomic_store(&g_stop, 0);
    atomic_store(&g_adds, 0);
    atomic_store(&g_stores, 0);
    atomic_store(&g_copies, 0);
    atomic_store(&g_commits, 0);
    atomic_store(&g_commit_failures, 0);
    atomic_store(&g_unexpected, 0);
    atomic_store(&g_signals, 0);
    g_nworkers = 6 * nproc < MAX_THREADS ? 6 * nproc : MAX_THREADS;
    for (int i = 0; i < g_nworkers; i++)
        pthread_create(&g_workers[i], NULL, primitive_worker, (void *) (uintptr_t) (i + 1));
    pthread_t sig;
    pthread_create(&sig, NULL, signaller, NULL);
    run_until_progress(seconds, primitives_progress_seen);
    atomic_store(&g_stop, 1);
    pthread_join(sig, NULL);
    for (int i = 0; i < g_nworkers; i++)
        pthread_join(g_workers[i], NULL);

    const char *mode = fallback ? "primitives fallback" : "primitives rseq";
    uint64_t sum_adds = 0, sum_values = 0, sum_stores = 0, sum_copies = 0;
    for (uint32_t cpu = 0; cpu < g_ncpu; cpu++) {
        sum_adds += g_rows[cpu * (ROW_BYTES / 8)];
        sum_values += g_rows[cpu * (ROW_BYTES / 8) + 1];
        sum_stores += g_rows[cpu * (ROW_BYTES / 8) + STORE2_WORD];
        sum_copies += g_rows[cpu * (ROW_BYTES / 8) + COPY_WORD];
    }
    printf("%s: %lu compare-and-store2 and %lu compare-and-copy commits\n", mode,
           (unsigned long) atomic_load(&g_stores), (unsigned long) atomic_load(&g_copies));
    CHECK(sum_stores == atomic_load(&g_stores) && atomic_load(&g_stores) > 0,
          "%s: compare-and-store2 words sum to %lu, %lu commits", mode, (unsigned long) sum_stores,
          (unsigned long) atomic_load(&g_stores));
    CHECK(sum_copies == atomic_load(&g_copies) && atomic_load(&g_copies) > 0,
          "%s: compare-and-copy words sum to %lu, %lu commits", mode, (unsigned long) sum_copies,
          (unsigned long) atomic_load(&g_copies));
    uint64_t total_aborts = report_aborts(mode, PERCPU_KIND_ADD, PERCPU_KIND_EC_COMMIT);
    printf("%s: %lu adds, %lu commits, %lu failed commits, %lu aborts\n", mode, (unsigned long) atomic_load(&g_adds),
           (unsigned long) atomic_load(&g_commits), (unsigned long) atomic_load(&g_commit_failures),
           (unsigned long) total_aborts);
    if (fallback)
        CHECK(total_aborts == 0, "%s: fallback mode must not abort, saw %lu", mode, (unsigned long) total_aborts);
    CHECK(atomic_load(&g_unexpected) == 0, "%s: unexpected result codes", mode);
    CHECK(sum_adds == atomic_load(&g_adds), "%s: per-CPU adds sum to %lu, %lu adds succeeded", mode,
          (unsigned long) sum_adds, (unsigned long) atomic_load(&g_adds));
    CHECK(sum_values == atomic_load(&g_commits), "%s: event-count values sum to %lu, %lu commits succeeded", mode,
          (unsigned long) sum_values, (unsigned long) atomic_load(&g_commits));
    CHECK(atomic_load(&g_commit_failures) > 0, "%s: no commit ever failed: the test did not create conflicts", mode);
    free(g_rows);
    free(g_counters);
    free(g_locks);
}

/*
 * LIFO order and the full, empty and stopped edges of one CPU's stack: the
 * thread pins itself so that every call uses one stack. Returns 0 when the
 * pin did not hold throughout; the checks of that round are then void.
 */
static int pinned_edges_once(void)
{
    void *block = percpu_block_create((uint32_t) percpu_possible_cpus(), 4);
    int cpu = percpu_current_cpu();
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
    int failures_before = failures;
    long migrations = percpu_test_migrations();
    CHECK(percpu_pop(block) == PERCPU_EMPTY, "pop on an empty stack");
    uint32_t in[6] = {1, 2, 3, 4, 5, 6}, out[6];
    int pushed = percpu_push_batch(block, in, 6);
    int popped = percpu_pop_batch(block, out, 6);
    CHECK(pushed == 4 && popped == 4, "batch round trip is capped by capacity: pushed %d popped %d", pushed, popped);
    CHECK(out[0] == 1 && out[3] == 4, "batch round trip keeps the order");
    CHECK(percpu_push(block, 7) == PERCPU_OK, "push 7");
    CHECK(percpu_push(block, 8) == PERCPU_OK, "push 8");
    CHECK(percpu_pop(block) == 8 && percpu_pop(block) == 7, "LIFO order");
    for (uint32_t i = 0; i < 4; i++)
        CHECK(percpu_push(block, i) == PERCPU_OK, "fill %u", i);
    CHECK(percpu_push(block, 9) == PERCPU_FULL, "push on a full stack");
    CHECK(percpu_push_batch(block, in, 3) == 0, "batch push on a full stack");
    CHECK(percpu_pop_batch(block, out, 6) == 4, "batch pop takes what is there");
    CHECK(out[0] == 0 && out[3] == 3, "batch pop order is bottom to top");
    CHECK(percpu_pop_batch(block, out, 6) == 0, "batch pop on an empty stack");

    /* Stopped stacks are left alone. */
    struct percpu_cpu_header *hdr = percpu_cpu_header(block, (uint32_t) cpu);
    hdr->stopped = 1;
    CHECK(percpu_push(block, 1) == PERCPU_STOPPED, "push on a stopped stack");
    CHECK(percpu_fb_push(block, 1) == PERCPU_STOPPED, "fallback push on a stopped stack");
    hdr->stopped = 0;
    int held = percpu_test_pin_held(cpu, migrations);
    if (!held && failures > failures_before) {
        fprintf(stderr, "(the pin to cpu %d was overridden: the %d failure(s) above are void, retrying)\n", cpu,
                failures - failures_before);
        failures = failures_before;
    }
    percpu_block_destroy(block);
    return held;
}

static void single_thread_edges(void)
{
    cpu_set_t old;
    sched_getaffinity(0, sizeof old, &old);
    int attempts = 0, held = 0;
    while (!held && attempts < 1000) {
        held = pinned_edges_once();
        attempts++;
    }
    sched_setaffinity(0, sizeof old, &old);
    if (!held)
        printf("edges: every one of %d pins was overridden by the set-up: LIFO and edge checks skipped\n", attempts);

    /* Bounded restarts: with every section aborting, the call gives up after the limit (any CPU). */
    void *block = percpu_block_create((uint32_t) percpu_possible_cpus(), 4);
    uint64_t before = percpu_thread_aborts();
    percpu_force_abort = 1;
    int r = percpu_pop(block);
    percpu_force_abort = 0;
    CHECK(r == PERCPU_RESTART_LIMIT, "forced aborts give PERCPU_RESTART_LIMIT, got %d", r);
    CHECK(percpu_thread_aborts() - before == percpu_restart_limit, "counted %lu aborts, limit %u",
          (unsigned long) (percpu_thread_aborts() - before), percpu_restart_limit);
    percpu_block_destroy(block);
    printf("edges: ok after %d pin attempt(s) (rseq status %d, possible cpus %d)\n", attempts, percpu_rseq_status(),
           percpu_possible_cpus());
}

static void *report_status(void *arg)
{
    *(int *) arg = percpu_rseq_status();
    return NULL;
}

/* The main thread and a new thread have the registration the set-up declares. */
static void check_declared_registration(void)
{
    int expected = percpu_test_expected_status();
    int on_new_thread = -1;
    pthread_t t;
    pthread_create(&t, NULL, report_status, &on_new_thread);
    pthread_join(t, NULL);
    printf("registration: main thread %d, new thread %d, declared %s\n", percpu_rseq_status(), on_new_thread,
           expected == PERCPU_TEST_UNDECLARED ? "nothing" : getenv("PERCPU_EXPECT_REGISTRATION"));
    if (expected != PERCPU_TEST_UNDECLARED) {
        CHECK(percpu_rseq_status() == expected, "main thread: status %d, the set-up declares %d", percpu_rseq_status(),
              expected);
        CHECK(on_new_thread == expected, "new thread: status %d, the set-up declares %d", on_new_thread, expected);
    }
}

int main(int argc, char **argv)
{
    percpu_test_enter_setup(argv);
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigurg;
    sigaction(SIGURG, &sa, NULL);

    check_declared_registration();
    if (percpu_rseq_status() == PERCPU_RSEQ_UNAVAILABLE) {
        printf("rseq unavailable here: only the fallback run is done\n");
    } else {
        single_thread_edges();
        stress(0, seconds, 2000);
        primitives_stress(0, seconds / 2, 2000);
    }
    stress(1, seconds / 2, 2000);
    primitives_stress(1, seconds / 4, 2000);
    return percpu_test_report("percpu_stress_test");
}
