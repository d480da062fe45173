#!/usr/bin/env bash
# Cross-builds percpu's native library sources and C tests for arm64 with
# aarch64-linux-gnu-gcc and runs the tests under qemu-user. See
# docs/design.md, "Architectures".
#
#   scripts/cross/aarch64-c-tests.sh [output directory]
#       default: allocator-native/target/aarch64-c-tests
#
# What this covers, and what it cannot:
#   - qemu-user returns ENOSYS for the rseq system call, so every test runs
#     in the set-up "rseq unavailable" (PERCPU_EXPECT_REGISTRATION=none):
#     fallback mode, remote calls, close, fork. Tests or parts that need a
#     working registration skip and say so.
#   - The arm64 rseq sections' instructions run only in
#     percpu_sections_test (a stand-in area the kernel does not know, so no
#     section is ever aborted by the kernel) and in the self-abort part of
#     percpu_disarm_test. Kernel restarts of arm64 sections are NOT tested.
#   - The arm64 libpercpu.so itself is built by the Maven build
#     (scripts/native/native-build.sh library, the flags the x86-64 library
#     uses), not here: each test includes the library's .c files.
#
# Needs gcc-aarch64-linux-gnu (with libc6-dev-arm64-cross) and qemu-user,
# and installs nothing: where one is missing it stops and names
# scripts/install-build-deps.sh (which installs them) and
# -Dpercpu.aarch64.skip=true (a build without the arm64 steps).
# Takes no lock itself: callers wrap it in `flock /tmp/percpu-mvn.lock`
# unless they already hold that lock. Exit status 0 only when everything
# compiled and every test passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
native="$root/allocator-native/src"
out="${1:-$root/allocator-native/target/aarch64-c-tests}"
sysroot=/usr/aarch64-linux-gnu
cc=aarch64-linux-gnu-gcc
cflags=(-std=gnu11 -O3 -fPIC -Wall -Wextra -Werror)

missing=()
for tool in "$cc" qemu-aarch64; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
for file in "$sysroot/lib/libc.so.6" "$sysroot/lib/libc.a"; do
    [ -e "$file" ] || missing+=("$file (the arm64 C library)")
done
if [ ${#missing[@]} -gt 0 ]; then
    {
        echo "aarch64-c-tests: missing: ${missing[*]}"
        echo "  The arm64 C tests need gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user."
        echo "  Install them with:  scripts/install-build-deps.sh"
        echo "  or build without the arm64 steps (x86-64 library only):  mvn verify -Dpercpu.aarch64.skip=true"
    } >&2
    exit 1
fi

mkdir -p "$out"
echo "aarch64-c-tests: $($cc --version | head -1); $(qemu-aarch64 --version | head -1)"

tests=()
for src in "$native"/test/c/*_test.c; do
    name=$(basename "$src" .c)
    $cc "${cflags[@]}" -I"$native/main/include" -I"$native/test/c" -o "$out/$name" "$src" -lpthread -ldl
    tests+=("$name")
done
echo "aarch64-c-tests: built ${#tests[@]} tests: ${tests[*]}"
$cc "${cflags[@]}" -I"$native/main/c" -I"$native/main/include" -o "$out/fallback_cpu_probe" \
    "$root/scripts/cross/fallback_cpu_probe.c" -lpthread -ldl
echo
echo "aarch64-c-tests: running under qemu-aarch64 -L $sysroot. qemu-user returns ENOSYS for rseq:"
echo "  FALLBACK MODE ONLY (PERCPU_EXPECT_REGISTRATION=none). Checks that need rseq skip; arm64 sections run only"
echo "  on a stand-in area (percpu_sections_test, percpu_disarm_test), never restarted by a kernel."
echo

failed=()
results=()
for name in "${tests[@]}"; do
    args=()
    [ "$name" = percpu_stress_test ] && args=(2)
    echo "=== $name ${args[*]}"
    if env -u PERCPU_TEST_LD_PRELOAD -u PERCPU_TEST_GLIBC_TUNABLES -u PERCPU_REQUIRE_RSEQ \
        PERCPU_EXPECT_REGISTRATION=none timeout 900 qemu-aarch64 -L "$sysroot" "$out/$name" "${args[@]}"; then
        results+=("$name: passed")
    else
        rc=$?
        results+=("$name: FAILED (exit $rc)")
        failed+=("$name")
    fi
done

# Fallback mode finds its stripe without a system call per operation (arm64 has no vDSO getcpu): between
# the probe's two getppid() markers qemu's strace may show one rseq attempt (the thread's first operation
# tries to register percpu's own area; qemu 7.2 prints it as "Unknown syscall 293") and nothing else.
echo "=== fallback_cpu_probe (qemu-aarch64 -strace)"
probe_log="$out/fallback_cpu_probe.strace"
if env -u PERCPU_TEST_LD_PRELOAD qemu-aarch64 -strace -L "$sysroot" "$out/fallback_cpu_probe" 2> "$probe_log"; then
    window=$(sed -n '/ getppid(/,/ getppid(/p' "$probe_log" | grep -v ' getppid(' || true)
    rseq_calls=$(grep -c -E ' (rseq\(|Unknown syscall 293)' <<< "$window" || true)
    other_calls=$(grep -v -E ' (rseq\(|Unknown syscall 293)' <<< "$window" | grep -c . || true)
    echo "fallback_cpu_probe: system calls during 3000 fallback operations: $rseq_calls rseq attempt(s), $other_calls other"
    if [ "$rseq_calls" -le 1 ] && [ "$other_calls" -eq 0 ]; then
        results+=("fallback_cpu_probe: passed (no system call per fallback operation)")
    else
        results+=("fallback_cpu_probe: FAILED (system calls in the window, see $probe_log)")
        failed+=(fallback_cpu_probe)
    fi
else
    results+=("fallback_cpu_probe: FAILED (exit $?)")
    failed+=(fallback_cpu_probe)
fi

echo
echo "aarch64-c-tests: results under qemu-aarch64 (rseq unavailable: fallback mode only)"
for line in "${results[@]}"; do
    echo "  $line"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "aarch64-c-tests: ${#failed[@]} test(s) failed: ${failed[*]}"
    exit 1
fi
echo "aarch64-c-tests: all ${#results[@]} runs passed"
