/*
 * percpu_fork_test.c - fork() without exec while other threads hold a
 * per-CPU lock (fallback mode) and a stop word (rseq mode).
 *
 * The child has only the forking thread. It must complete, within a
 * deadline (alarm), remote takes on every CPU of both blocks, local pops
 * and pushes on the CPU whose lock / stop word was held, and close of both
 * blocks, and find every index it should. The parent checks that the child
 * handler changed nothing on its side (the holders still hold), then lets
 * them go and closes its blocks.
 */
#define _GNU_SOURCE
#include "../../main/c/percpu_rseq.c"
#include "../../main/c/percpu_block.c"
#include "../../main/c/percpu_remote.c"
#include "percpu_stack_ops.h"
#include "percpu_test_setup.h"
#include "percpu_test_support.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>

#define PER_CPU 8u
#define HELD_CPU 0u

static void *g_rseq_block;
static void *g_fallback_block;
static uint32_t g_ncpu;
static pthread_barrier_t g_holding;
static pthread_barrier_t g_release;

/* Takes the fallback block's lock of HELD_CPU, as a remote owner would, and keeps it until released. */
static void *hold_lock(void *arg)
{
    (void) arg;
    percpu_lock_blocking(percpu_cpu_header(g_fallback_block, HELD_CPU));
    pthread_barrier_wait(&g_holding);
    pthread_barrier_wait(&g_release);
    __atomic_store_n(&percpu_cpu_header(g_fallback_block, HELD_CPU)->lock, 0, __ATOMIC_RELEASE);
    return NULL;
}

/* Stops the rseq block's stack of HELD_CPU (stop + fence) and keeps it until released. */
static void *hold_stop(void *arg)
{
    (void) arg;
    struct percpu_cpu_header *hdr = percpu_cpu_header(g_rseq_block, HELD_CPU);
    int rc = percpu_stop(g_rseq_block, hdr, HELD_CPU);
    CHECK(rc == 0, "holder could not stop cpu %u: %d", HELD_CPU, rc);
    pthread_barrier_wait(&g_holding);
    pthread_barrier_wait(&g_release);
    __atomic_store_n(&hdr->stopped, 0, __ATOMIC_RELEASE);
    return NULL;
}

static void fill(void *block, int fallback, uint32_t first)
{
    uint32_t in[PER_CPU];
    for (uint32_t cpu = 0; cpu < g_ncpu; cpu++) {
        for (uint32_t i = 0; i < PER_CPU; i++)
            in[i] = first + cpu * PER_CPU + i;
        CHECK(percpu_remote_put(block, cpu, in, PER_CPU, fallback) == (int) PER_CPU, "fill cpu %u", cpu);
    }
}

/* In the child: every index put in is taken back exactly once, by local pops on HELD_CPU and remote takes. */
static void drain_and_check(void *block, int fallback, int rseq, uint32_t first, const char *what)
{
    uint32_t total = g_ncpu * PER_CPU;
    uint32_t *seen = calloc(total, sizeof *seen);
    uint32_t buf[PER_CPU];
    CHECK(percpu_pin_current_thread((int) HELD_CPU) == 0, "%s: pin to cpu %u", what, HELD_CPU);
    if (fallback || rseq) {
        int r = fallback ? percpu_fb_pop(block) : percpu_pop(block);
        CHECK(r >= 0, "%s: local pop on the held cpu gave %d", what, r);
        if (r >= 0) {
            int back = fallback ? percpu_fb_push(block, (uint32_t) r) : percpu_push(block, (uint32_t) r);
            CHECK(back == PERCPU_OK, "%s: local push on the held cpu gave %d", what, back);
        }
    }
    percpu_pin_current_thread(-1);
    for (uint32_t cpu = 0; cpu < g_ncpu; cpu++) {
        int k = percpu_remote_take(block, cpu, buf, PER_CPU, fallback);
        CHECK(k == (int) PER_CPU, "%s: remote take on cpu %u gave %d", what, cpu, k);
        for (int i = 0; i < k; i++)
            seen[buf[i] - first]++;
    }
    for (uint32_t i = 0; i < total; i++)
        CHECK(seen[i] == 1, "%s: index %u seen %u times", what, first + i, seen[i]);
    CHECK(percpu_block_close(block, fallback) == 0, "%s: close in the child", what);
    free(seen);
}

static int child(int rseq)
{
    alarm(20); /* a lock or stop word still held would make these calls wait forever: fail instead */
    CHECK(percpu_cpu_header(g_fallback_block, HELD_CPU)->lock == 0, "the child handler released the lock");
    CHECK(percpu_cpu_header(g_rseq_block, HELD_CPU)->stopped == 0, "the child handler cleared the stop word");
    if (percpu_remote_fence_kind() == PERCPU_FENCE_MEMBARRIER) {
        long rc = syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU, 0);
        CHECK(rc == 0, "membarrier-RSEQ still registered in the child (errno %d)", rc == 0 ? 0 : errno);
    }
    drain_and_check(g_fallback_block, 1, rseq, 0, "fallback block");
    drain_and_check(g_rseq_block, 0, rseq, 1000, "rseq block");
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    (void) argc;
    percpu_test_enter_setup(argv);
    g_ncpu = (uint32_t) percpu_possible_cpus();
    int rseq = percpu_rseq_status() != PERCPU_RSEQ_UNAVAILABLE;
    g_fallback_block = percpu_block_create(g_ncpu, PER_CPU);
    g_rseq_block = percpu_block_create(g_ncpu, PER_CPU);
    fill(g_fallback_block, 1, 0);
    fill(g_rseq_block, 0, 1000);

    pthread_barrier_init(&g_holding, NULL, 3);
    pthread_barrier_init(&g_release, NULL, 3);
    pthread_t lock_holder, stop_holder;
    pthread_create(&lock_holder, NULL, hold_lock, NULL);
    pthread_create(&stop_holder, NULL, hold_stop, NULL);
    pthread_barrier_wait(&g_holding);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child(rseq));
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child %s %d",
          WIFEXITED(status) ? "exited with" : "was killed by signal",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

    CHECK(percpu_cpu_header(g_fallback_block, HELD_CPU)->lock == 1, "the parent's lock holder still holds");
    CHECK(percpu_cpu_header(g_rseq_block, HELD_CPU)->stopped == 1, "the parent's stop holder still holds");
    pthread_barrier_wait(&g_release);
    pthread_join(lock_holder, NULL);
    pthread_join(stop_holder, NULL);
    CHECK(percpu_block_close(g_fallback_block, 1) == 0, "close in the parent (fallback)");
    CHECK(percpu_block_close(g_rseq_block, 0) == 0, "close in the parent (rseq)");
    printf("fork: rseq %s\n", rseq ? "on" : "unavailable");
    return percpu_test_report("percpu_fork_test");
}
