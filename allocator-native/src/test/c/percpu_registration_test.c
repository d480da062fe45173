/*
 * percpu_registration_test.c - percpu's own rseq registration follows the
 * ABI: the length and alignment come from the auxiliary vector (here also
 * the Linux 7.0 values 33 and 64, injected through the
 * percpu_rseq_abi_override seam), a request beyond the reserve is refused
 * cleanly, and the size glibc publishes is read the way glibc meant it.
 *
 * Own registration only happens where glibc did not register, so when glibc
 * registered this process the test runs itself again with
 * GLIBC_TUNABLES=glibc.pthread.rseq=0. Each case runs on a fresh thread,
 * because a thread registers on its first operation.
 */
#define _GNU_SOURCE
#include "../../main/c/percpu_rseq.c"
#include "../../main/c/percpu_block.c"
#include "percpu_stack_ops.h"
#include "percpu_test_setup.h"
#include "percpu_test_support.h"

#include <pthread.h>
#include <stdlib.h>

/* What one thread saw of its own registration. */
struct registration {
    int status;
    uintptr_t area;
    long same_length_errno;   /* registering the same area again with the expected length */
    long other_length_errno;  /* ... and with another length */
    int pushed, popped;
    uint64_t rseq_cs_after;
};

static long rseq_errno(void *area, unsigned long length)
{
    return syscall(__NR_rseq, area, length, 0, PERCPU_RSEQ_SIG) == 0 ? 0 : errno;
}

static void *register_and_use(void *arg)
{
    struct registration *r = arg;
    r->status = percpu_rseq_status();
    struct percpu_rseq_area *rs = percpu_rseq_area();
    r->area = (uintptr_t) rs;
    if (r->status == PERCPU_RSEQ_OWN) {
        /* The kernel answers EBUSY only for the registered area and length, EINVAL for another length. */
        unsigned long length = percpu_rseq_registration_length();
        r->same_length_errno = rseq_errno(rs, length);
        r->other_length_errno = rseq_errno(rs, length == 32 ? 64 : 32);
    }
    void *block = percpu_block_create((uint32_t) percpu_possible_cpus(), 8);
    r->pushed = percpu_push(block, 5);
    r->popped = percpu_pop(block);
    r->rseq_cs_after = rs->rseq_cs;
    percpu_block_destroy(block);
    return NULL;
}

static struct registration on_new_thread(unsigned long feature_size, unsigned long align)
{
    struct registration r;
    memset(&r, 0, sizeof r);
    percpu_rseq_abi_override(feature_size, align);
    pthread_t t;
    pthread_create(&t, NULL, register_and_use, &r);
    pthread_join(t, NULL);
    percpu_rseq_abi_override(0, 0);
    return r;
}

/* A thread whose push and pop ran on one CPU gets its index back; a migration in between gives EMPTY. */
static int round_trip_ok(const struct registration *r)
{
    return r->pushed == PERCPU_OK && (r->popped == 5 || r->popped == PERCPU_EMPTY);
}

static void check_usable_bytes(void)
{
    CHECK(percpu_rseq_usable_bytes(20, 28) == 28, "glibc 2.40's 20 means a 32-byte area: 28 usable of 28");
    CHECK(percpu_rseq_usable_bytes(32, 28) == 28, "glibc's 32 with feature size 28");
    CHECK(percpu_rseq_usable_bytes(20, 33) == 32, "an old glibc's 32-byte area on Linux 7.0: 32 usable");
    CHECK(percpu_rseq_usable_bytes(33, 33) == 33, "a newer glibc registering 33 bytes on Linux 7.0");
    CHECK(percpu_rseq_usable_bytes(64, 33) == 33, "a registration larger than the feature size");
    CHECK(percpu_rseq_usable_bytes(32, 20) == 20, "a kernel without AT_RSEQ_FEATURE_SIZE fills 20 bytes");
}

static void check_abi_values(void)
{
    percpu_rseq_abi_override(33, 64);
    CHECK(percpu_rseq_feature_size() == 33, "injected feature size");
    CHECK(percpu_rseq_registration_length() == 33, "Linux 7.0: register with 33 bytes, got %lu",
          percpu_rseq_registration_length());
    CHECK(percpu_rseq_registration_align() == 64, "Linux 7.0: align to 64, got %lu",
          percpu_rseq_registration_align());
    percpu_rseq_abi_override(28, 32);
    CHECK(percpu_rseq_registration_length() == 32, "feature size 28: the minimum length 32");
    percpu_rseq_abi_override(0, 0);
    CHECK(percpu_rseq_registration_length() >= 32, "real length at least 32");
    CHECK(percpu_rseq_registration_align() >= 32, "real alignment at least 32");
}

static void check_own_registration(void)
{
    struct registration real = on_new_thread(0, 0);
    if (real.status == PERCPU_RSEQ_UNAVAILABLE) {
        printf("own registration: the kernel refused rseq here, registration cases skipped\n");
        return;
    }
    CHECK(real.status == PERCPU_RSEQ_OWN, "status %d, expected own registration", real.status);
    CHECK(real.area % percpu_rseq_registration_align() == 0, "area %#lx not aligned to %lu",
          (unsigned long) real.area, percpu_rseq_registration_align());
    CHECK(real.same_length_errno == EBUSY, "registered with another length than %lu (errno %ld)",
          percpu_rseq_registration_length(), real.same_length_errno);
    CHECK(round_trip_ok(&real), "push %d pop %d on the own area", real.pushed, real.popped);
    CHECK(real.rseq_cs_after == 0, "rseq_cs left armed");

    struct registration linux7 = on_new_thread(33, 64);
    CHECK(linux7.status == PERCPU_RSEQ_OWN, "33/64: status %d", linux7.status);
    CHECK(linux7.area % 64 == 0, "33/64: area %#lx not 64-byte aligned", (unsigned long) linux7.area);
    CHECK(linux7.same_length_errno == EBUSY, "33/64: not registered with length 33 (errno %ld)",
          linux7.same_length_errno);
    CHECK(linux7.other_length_errno == EINVAL, "33/64: another length must be refused, errno %ld",
          linux7.other_length_errno);
    CHECK(round_trip_ok(&linux7), "33/64: push %d pop %d", linux7.pushed, linux7.popped);
    CHECK(linux7.rseq_cs_after == 0, "33/64: rseq_cs left armed");

    struct registration too_big = on_new_thread(PERCPU_RSEQ_OWN_RESERVE + 1, 64);
    CHECK(too_big.status == PERCPU_RSEQ_UNAVAILABLE, "a feature size beyond the reserve registers nothing");
    CHECK(too_big.pushed == PERCPU_NO_RSEQ, "and the thread's calls say NO_RSEQ, got %d", too_big.pushed);
    struct registration too_aligned = on_new_thread(33, 2 * PERCPU_RSEQ_OWN_ALIGN);
    CHECK(too_aligned.status == PERCPU_RSEQ_UNAVAILABLE, "an alignment beyond the reserve registers nothing");
    printf("own registration: length %lu align %lu area %#lx; injected 33/64: area %#lx\n",
           percpu_rseq_registration_length(), percpu_rseq_registration_align(), (unsigned long) real.area,
           (unsigned long) linux7.area);
}

int main(int argc, char **argv)
{
    (void) argc;
    percpu_test_enter_setup(argv);
    check_usable_bytes();
    check_abi_values();
    if (percpu_rseq_uses_glibc) {
        const char *tunables = getenv("GLIBC_TUNABLES");
        if (tunables == NULL || strstr(tunables, "glibc.pthread.rseq=0") == NULL) {
            setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
            execv("/proc/self/exe", argv);
            perror("execv /proc/self/exe");
            return 1;
        }
        printf("glibc registered despite GLIBC_TUNABLES: own registration cases skipped\n");
    } else {
        check_own_registration();
    }
    return percpu_test_report("percpu_registration_test");
}
