/*
 * fallback_cpu_probe.c - run by aarch64-c-tests.sh under qemu-aarch64
 * -strace: fallback-mode stack operations and primitives must find their
 * stripe without a system call per operation (arm64 has no vDSO getcpu).
 *
 * The operations run between two getppid() calls that mark the window in
 * the strace output; the script counts the system calls inside it. The
 * first operation of the thread may try to register percpu's own rseq area
 * (one rseq call, ENOSYS under qemu); nothing else is allowed there.
 * Compiled with -I for allocator-native/src/main/c and .../include.
 */
#define _GNU_SOURCE
#include "percpu_rseq.c"
#include "percpu_block.c"
#include "percpu_primitives.h"

#include <stdio.h>
#include <stdlib.h>

#define OPERATIONS 1000

int main(void)
{
    uint32_t ncpu = 4;
    void *block = percpu_block_create(ncpu, 64);
    uint64_t *rows = calloc(ncpu, 128);
    void *locks = calloc(ncpu, PERCPU_LINE);
    if (block == NULL || rows == NULL || locks == NULL)
        return 2;
    int bad = 0;
    syscall(SYS_getppid);
    for (int i = 0; i < OPERATIONS; i++) {
        bad |= percpu_fb_push(block, (uint32_t) i) != PERCPU_OK;
        bad |= percpu_fb_pop(block) != i;
        bad |= percpu_op_add_fb(rows, 128, ncpu, locks, 0, 1) < 0;
    }
    syscall(SYS_getppid);
    printf("fallback_cpu_probe: %d fallback push/pop/add rounds %s\n", OPERATIONS, bad ? "FAILED" : "ok");
    return bad;
}
