/*
 * percpu_test_setup.h - the set-up a C test runs in (docs/build.md, "Set-ups").
 *
 * The set-up matrix reaches the test binaries, and nothing else Maven starts
 * (gcc, the linker), through two variables only these tests read:
 * PERCPU_TEST_LD_PRELOAD and PERCPU_TEST_GLIBC_TUNABLES. The dynamic loader
 * reads LD_PRELOAD and GLIBC_TUNABLES only at exec, so a test calls
 * percpu_test_enter_setup first thing in main: when either variable is set
 * and not yet in force, it runs itself again with them in force.
 *
 * The set-up declares the registration its threads should get in
 * PERCPU_EXPECT_REGISTRATION (glibc, own or none), the same variable the
 * Java tests assert; percpu_test_expected_status turns it into a status code.
 */
#ifndef PERCPU_TEST_SETUP_H
#define PERCPU_TEST_SETUP_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "percpu_codes.h"

/* No registration declared: the test checks what it finds, not what the set-up should give. */
#define PERCPU_TEST_UNDECLARED (-1000)

/* Sets name to value; returns 1 when that changed the environment. */
static inline int percpu_test_put_env(const char *name, const char *value)
{
    const char *current = getenv(name);
    if (value == NULL || *value == '\0' || (current != NULL && strcmp(current, value) == 0))
        return 0;
    setenv(name, value, 1);
    return 1;
}

static inline void percpu_test_enter_setup(char **argv)
{
    int changed = percpu_test_put_env("LD_PRELOAD", getenv("PERCPU_TEST_LD_PRELOAD"));
    changed |= percpu_test_put_env("GLIBC_TUNABLES", getenv("PERCPU_TEST_GLIBC_TUNABLES"));
    if (changed) {
        execv("/proc/self/exe", argv);
        perror("percpu_test_enter_setup: execv /proc/self/exe");
        exit(1);
    }
}

/* The rseq status the set-up declares, PERCPU_TEST_UNDECLARED, or exits on a value that names none. */
static inline int percpu_test_expected_status(void)
{
    const char *value = getenv("PERCPU_EXPECT_REGISTRATION");
    if (value == NULL || *value == '\0')
        return PERCPU_TEST_UNDECLARED;
    if (strcmp(value, "glibc") == 0)
        return PERCPU_RSEQ_GLIBC;
    if (strcmp(value, "own") == 0)
        return PERCPU_RSEQ_OWN;
    if (strcmp(value, "none") == 0)
        return PERCPU_RSEQ_UNAVAILABLE;
    fprintf(stderr, "PERCPU_EXPECT_REGISTRATION=%s names no registration (glibc, own or none)\n", value);
    exit(1);
}

/*
 * How often the calling thread migrated so far (se.nr_migrations of
 * /proc/thread-self/sched), or -1 where the kernel does not tell.
 */
static inline long percpu_test_migrations(void)
{
    FILE *f = fopen("/proc/thread-self/sched", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long count = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "se.nr_migrations", 16) == 0) {
            const char *colon = strchr(line, ':');
            count = colon != NULL ? strtol(colon + 1, NULL, 10) : -1;
            break;
        }
    }
    fclose(f);
    return count;
}

/*
 * Whether the pin of the calling thread to cpu held since migrations was
 * read (percpu_test_migrations, right after pinning): still allowed on
 * exactly cpu, running there, and, where the kernel counts migrations, not
 * migrated in between (a storm may move a thread away and back). A migration
 * storm in the set-up overrides a thread's own pin at any moment; a check
 * that needs the pin asks this afterwards and, when the pin did not hold,
 * retries or skips only that check (conservation never).
 */
static inline int percpu_test_pin_held(int cpu, long migrations)
{
    cpu_set_t now;
    return sched_getaffinity(0, sizeof now, &now) == 0 && CPU_COUNT(&now) == 1 && CPU_ISSET(cpu, &now) &&
           sched_getcpu() == cpu && (migrations < 0 || percpu_test_migrations() == migrations);
}

#endif
