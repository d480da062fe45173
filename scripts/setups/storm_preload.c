/*
 * storm_preload.c - the "signal and migration storm" set-up: loaded with
 * LD_PRELOAD into a process under test, a constructor starts one thread that
 *   - sends SIGURG to a random thread of the process every
 *     PERCPU_STORM_SIGNAL_US microseconds (default 20); the process gets a
 *     no-op SIGURG handler (SA_RESTART) so every signal is delivered and
 *     aborts whatever restartable sequence the thread is in;
 *   - every PERCPU_STORM_MIGRATE_US microseconds (default 1000) moves every
 *     thread of the process to a random non-empty set of the CPUs the
 *     process started with (sched_setaffinity, what a taskset loop does),
 *     overriding any pin a thread set itself.
 * The thread list is re-read from /proc/self/task every round. A program
 * that installs its own SIGURG handler replaces the no-op one; signals keep
 * coming. Storm counts go to stderr at exit when PERCPU_STORM_VERBOSE=1.
 *
 * Build: gcc -O2 -fPIC -shared -pthread -o libstorm.so storm_preload.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_TIDS 4096

static cpu_set_t storm_cpus;           /* the CPUs the process started with */
static unsigned long storm_signals;    /* signals sent */
static unsigned long storm_moves;      /* threads moved */

static void ignore_signal(int sig)
{
    (void) sig;
}

static long env_long(const char *name, long fallback)
{
    const char *value = getenv(name);
    return value != NULL && *value != '\0' ? strtol(value, NULL, 10) : fallback;
}

/* Reads the process's thread ids into tids; returns how many. */
static int list_threads(pid_t *tids, int max)
{
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL)
        return 0;
    int n = 0;
    struct dirent *entry;
    while (n < max && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.')
            tids[n++] = (pid_t) atoi(entry->d_name);
    }
    closedir(dir);
    return n;
}

/* A random non-empty subset of the start-up CPUs. */
static void random_cpus(cpu_set_t *set, unsigned int *seed)
{
    do {
        CPU_ZERO(set);
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
            if (CPU_ISSET(cpu, &storm_cpus) && (rand_r(seed) & 1))
                CPU_SET(cpu, set);
    } while (CPU_COUNT(set) == 0);
}

static void *storm(void *arg)
{
    (void) arg;
    long signal_us = env_long("PERCPU_STORM_SIGNAL_US", 20);
    long migrate_us = env_long("PERCPU_STORM_MIGRATE_US", 1000);
    pid_t self = (pid_t) syscall(SYS_gettid);
    pid_t pid = getpid();
    static pid_t tids[MAX_TIDS];
    unsigned int seed = (unsigned int) pid;
    /* Sleep as long as asked, not up to the default 50 us timer slack longer. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct timespec pause = {0, (signal_us > 0 ? signal_us : 1000) * 1000};
    long since_move = 0;
    int n = 0;
    for (unsigned long round = 0;; round++) {
        if (round % 64 == 0)
            n = list_threads(tids, MAX_TIDS);
        if (n > 0 && signal_us > 0) {
            pid_t target = tids[rand_r(&seed) % n];
            if (target != self && syscall(SYS_tgkill, pid, target, SIGURG) == 0)
                __atomic_fetch_add(&storm_signals, 1, __ATOMIC_RELAXED);
        }
        since_move += signal_us > 0 ? signal_us : 1000;
        if (migrate_us > 0 && since_move >= migrate_us) {
            since_move = 0;
            n = list_threads(tids, MAX_TIDS);
            for (int i = 0; i < n; i++) {
                cpu_set_t set;
                random_cpus(&set, &seed);
                if (tids[i] != self && sched_setaffinity(tids[i], sizeof set, &set) == 0)
                    __atomic_fetch_add(&storm_moves, 1, __ATOMIC_RELAXED);
            }
        }
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static void report(void)
{
    fprintf(stderr, "storm_preload: %lu signals, %lu thread moves\n", storm_signals, storm_moves);
}

__attribute__((constructor)) static void start_storm(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ignore_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGURG, &action, NULL);
    sched_getaffinity(0, sizeof storm_cpus, &storm_cpus);
    if (env_long("PERCPU_STORM_VERBOSE", 0) == 1)
        atexit(report);
    /* The storm thread must not receive its own signals nor block the process's exit. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, storm, NULL) != 0) {
        perror("storm_preload: pthread_create");
        abort();
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
