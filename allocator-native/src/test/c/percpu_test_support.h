/*
 * percpu_test_support.h - what the C tests of src/test/c share: the CHECK
 * macro with its failure count and the final report, and a mutex-guarded
 * list of indices that stands in for the depot. Each test is its own
 * executable (one per <test> entry of the pom) and includes this once.
 */
#ifndef PERCPU_TEST_SUPPORT_H
#define PERCPU_TEST_SUPPORT_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static int failures;

/* Counts and prints a failed check; the test goes on, and percpu_test_report fails it at the end. */
#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fprintf(stderr, "\n");                                        \
            failures++;                                                   \
        }                                                                 \
    } while (0)

/* The test's exit status: 0 when every check passed. */
static inline int percpu_test_report(const char *test)
{
    if (failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", test, failures);
        return 1;
    }
    printf("%s: all checks passed\n", test);
    return 0;
}

/*
 * Indices held outside the stacks, with room for every index of the test:
 * more entries than that means some index was duplicated, counted in excess.
 */
struct percpu_test_list {
    pthread_mutex_t lock;
    uint32_t *items;
    uint32_t len;
    uint32_t room;
    uint64_t excess;
};

static inline void percpu_test_list_put(struct percpu_test_list *list, const uint32_t *in, uint32_t n)
{
    pthread_mutex_lock(&list->lock);
    for (uint32_t i = 0; i < n; i++) {
        if (list->len < list->room)
            list->items[list->len++] = in[i];
        else
            list->excess++;
    }
    pthread_mutex_unlock(&list->lock);
}

static inline uint32_t percpu_test_list_take(struct percpu_test_list *list, uint32_t *out, uint32_t n)
{
    pthread_mutex_lock(&list->lock);
    uint32_t k = n < list->len ? n : list->len;
    for (uint32_t i = 0; i < k; i++)
        out[i] = list->items[--list->len];
    pthread_mutex_unlock(&list->lock);
    return k;
}

#endif
