/*
 * floor_bench.c - the C floor under every Java row of docs/benchmarks.md:
 * nanoseconds per pop + push pair of percpu's sections called straight from
 * C (no JNI, no FFM), on one pinned thread, beside the fallback try-lock
 * pair and a plain array stack (no atomics, not thread-safe: the absolute
 * floor). Batches of 8, 32 and 128 are timed per slot.
 *
 * Built and run by allocator-benchmarks/scripts/bench.sh; this module's Maven build compiles it too
 * (target/floor_bench, not run), so it keeps compiling against the library's sources. From the
 * repository root:
 *   gcc -O3 -std=gnu11 -I allocator-native/src/main/include -I allocator-native/src/main/c \
 *       allocator-benchmarks/src/main/c/floor_bench.c -o floor_bench -lpthread
 *   ./floor_bench [rounds]
 * Prints one JSON object per line: {"name": ..., "median_ns": ..., "samples": [...]}.
 */
#define _GNU_SOURCE
#include "percpu_rseq.c"
#include "percpu_block.c"
#include "percpu_address_batch.h"
#include "percpu_stack_ops.h"

#include <stdlib.h>
#include <time.h>

#define ITERATIONS 20000000L
#define MAX_ROUNDS 15

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *samples, int rounds)
{
    double sorted[MAX_ROUNDS];
    memcpy(sorted, samples, sizeof(double) * rounds);
    qsort(sorted, rounds, sizeof(double), cmp_double);
    printf("{\"name\": \"%s\", \"median_ns\": %.3f, \"samples\": [", name, sorted[rounds / 2]);
    for (int i = 0; i < rounds; i++)
        printf("%s%.3f", i ? ", " : "", samples[i]);
    printf("]}\n");
    fflush(stdout);
}

static volatile uint32_t sink;

/* The plain array stack: what a pop + push pair costs with no concurrency control at all. */
static uint32_t plain_stack[1024];
static uint32_t plain_top;

static __attribute__((noinline)) int plain_pop(void)
{
    return plain_top ? (int) plain_stack[--plain_top] : -1;
}

static __attribute__((noinline)) void plain_push(uint32_t v)
{
    plain_stack[plain_top++] = v;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1 || rounds > MAX_ROUNDS)
        rounds = 5;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
    void *block = percpu_block_create((uint32_t) percpu_possible_cpus(), 512);
    for (uint32_t i = 0; i < 256; i++)
        percpu_push(block, i);
    double samples[MAX_ROUNDS];

    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (long i = 0; i < ITERATIONS; i++) {
            int idx = percpu_pop(block);
            percpu_push(block, (uint32_t) idx);
        }
        samples[r] = (now_ns() - t0) / ITERATIONS;
    }
    report("c rseq pop+push", samples, rounds);

    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (long i = 0; i < ITERATIONS; i++) {
            int idx = percpu_fb_pop(block);
            percpu_fb_push(block, (uint32_t) idx);
        }
        samples[r] = (now_ns() - t0) / ITERATIONS;
    }
    report("c fallback pop+push", samples, rounds);

    for (uint32_t i = 0; i < 256; i++)
        plain_push(i);
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        for (long i = 0; i < ITERATIONS; i++)
            plain_push((uint32_t) plain_pop());
        samples[r] = (now_ns() - t0) / ITERATIONS;
    }
    report("c plain array pop+push", samples, rounds);

    static const uint32_t sizes[] = {8, 32, 128};
    uint32_t buf[128];
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s];
        for (int r = 0; r < rounds; r++) {
            long pairs = ITERATIONS / n;
            double t0 = now_ns();
            for (long i = 0; i < pairs; i++) {
                int k = percpu_pop_batch(block, buf, n);
                percpu_push_batch(block, buf, (uint32_t) k);
            }
            samples[r] = (now_ns() - t0) / (pairs * (double) n);
        }
        char name[64];
        snprintf(name, sizeof name, "c rseq batch %u, per slot", n);
        report(name, samples, rounds);
    }
    /* The address batches SlabAllocator's allocate(long[], n) / free(long[], n) call (4 KiB slots). */
    uint64_t addresses[128];
    const uint64_t region = 1ULL << 40;
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s];
        for (int r = 0; r < rounds; r++) {
            long pairs = ITERATIONS / n;
            double t0 = now_ns();
            for (long i = 0; i < pairs; i++) {
                int k = percpu_pop_addresses(block, 0, addresses, n, region, 12);
                percpu_push_addresses(block, 0, addresses, (uint32_t) k, region, 12, 65536ULL << 12);
            }
            samples[r] = (now_ns() - t0) / (pairs * (double) n);
        }
        char name[64];
        snprintf(name, sizeof name, "c rseq address batch %u, per slot", n);
        report(name, samples, rounds);
    }
    sink = plain_top;
    percpu_block_destroy(block);
    return 0;
}
