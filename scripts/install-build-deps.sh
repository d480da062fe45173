#!/usr/bin/env bash
# Installs what the build needs beyond a JDK and Maven, where it is missing
# (Debian/Ubuntu, apt-get): gcc and binutils (the x86-64 library), python3
# (the rseq sections check), gcc-aarch64-linux-gnu (the arm64 library; it
# brings libc6-dev-arm64-cross and binutils-aarch64-linux-gnu) and qemu-user
# (the arm64 C tests). Says what it installs; installs nothing, and runs no
# apt-get, when everything is present. Uses sudo when not run as root.
# The README's commands and .ci/run call it first. See docs/build.md.
#
#   scripts/install-build-deps.sh           install what is missing
#   scripts/install-build-deps.sh --check   only list what is missing (exit 1 if anything is)
set -euo pipefail

# Each needed command, the Debian package that provides it, and what the build uses it for.
needs=(
    "gcc                        gcc                     the x86-64 library and C tests"
    "objdump                    binutils                the rseq sections check (x86-64)"
    "python3                    python3                 the rseq sections check"
    "aarch64-linux-gnu-gcc      gcc-aarch64-linux-gnu   the arm64 library"
    "aarch64-linux-gnu-objdump  binutils-aarch64-linux-gnu  the rseq sections check (arm64)"
    "qemu-aarch64               qemu-user               the arm64 C tests"
)
# The arm64 C library and headers (static libc for the sections image, dynamic for qemu -L).
arm64_libc=/usr/aarch64-linux-gnu/lib/libc.a

missing=()
for need in "${needs[@]}"; do
    read -r tool package purpose <<< "${need}"
    if ! command -v "${tool}" >/dev/null 2>&1; then
        echo "install-build-deps: ${tool} missing (package ${package}: ${purpose})"
        missing+=("${package}")
    fi
done
if [ ! -e "${arm64_libc}" ]; then
    echo "install-build-deps: ${arm64_libc} missing (package libc6-dev-arm64-cross: the arm64 C library)"
    missing+=(libc6-dev-arm64-cross)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-build-deps: all build dependencies present"
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-build-deps: no apt-get here: install ${missing[*]} (or your system's equivalents) by hand," >&2
    echo "or build the x86-64 library only with -Dpercpu.aarch64.skip=true (docs/build.md)" >&2
    exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-build-deps: not root and no sudo: run it as root" >&2; exit 1; }
    as_root=(sudo)
fi
echo "install-build-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
for need in "${needs[@]}"; do
    read -r tool package _ <<< "${need}"
    command -v "${tool}" >/dev/null 2>&1 || { echo "install-build-deps: ${tool} still missing after installing ${package}" >&2; exit 1; }
done
echo "install-build-deps: installed ${missing[*]}"
