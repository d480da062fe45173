/*
 * rseq_enosys_preload.c - the "rseq blocked" set-up: loaded with LD_PRELOAD,
 * it installs a seccomp filter under which the rseq system call fails with
 * ENOSYS, as some sandboxes and older container profiles do.
 *
 * The filter is installed by a constructor, so the dynamic loader has
 * already started the main thread: where glibc registers rseq, the main
 * thread keeps glibc's registration. The set-up therefore also sets
 * GLIBC_TUNABLES=glibc.pthread.rseq=0, so glibc registers no thread, and
 * every thread's own registration (percpu's) meets the filter: no thread of
 * the process, main or new, has rseq. The filter is inherited by every
 * thread and every child process (a forked JVM included); it stays in force
 * across exec.
 *
 * Build: gcc -O2 -fPIC -shared -o librseq_enosys.so rseq_enosys_preload.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((constructor)) static void block_rseq(void)
{
    struct sock_filter code[] = {
        /* Another architecture's system call numbers mean other calls: allow them. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
        /* rseq fails with ENOSYS, every other call runs. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rseq, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof code / sizeof code[0], .filter = code};
    /* Without privileges a filter needs no_new_privs; it is inherited like the filter. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) {
        perror("rseq_enosys_preload: installing the seccomp filter");
        abort();
    }
}
