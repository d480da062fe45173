#!/usr/bin/env bash
# Builds percpu's native library for the architecture NAR cannot build
# (aarch64), checks the rseq sections of both architectures, and runs the
# arm64 C tests under qemu. Maven runs it (allocator-native/pom.xml, exec
# executions "aarch64-library", "rseq-sections-*", "aarch64-c-tests"); see
# docs/build.md "The aarch64 library", "The arm64 C tests under qemu" and
# "The rseq sections check".
#
#   native-build.sh library ARCH OUT.so     the shared library, as the jar carries it
#   native-build.sh check-sections ARCH DIR a static, non-PIE image of the library
#                                           (DIR/rseq-sections-image) and the check
#                                           of every section in it, then the check's
#                                           self-test (rseq_sections_check_test.py)
#   native-build.sh c-tests aarch64 DIR     the C tests cross-built and run under qemu-user
#                                           (scripts/cross/aarch64-c-tests.sh, output in DIR)
#   native-build.sh check-glibc ARCH LIB    fails when the packaged library LIB requires a glibc
#                                           symbol version above PERCPU_GLIBC_BASELINE
#                                           (glibc_versions_check.py), then the check's
#                                           self-test (glibc_versions_check_test.py)
#
# ARCH is x86_64 (the host's gcc and binutils) or aarch64 (aarch64-linux-gnu-*).
# With PERCPU_AARCH64_SKIP=true (Maven: -Dpercpu.aarch64.skip=true) every aarch64
# command only says so, and "library" removes a library an earlier build left.
# Maven passes the flags and paths, so there is one list of them (the pom):
#   PERCPU_CFLAGS   compiler flags of the library (NAR's <optionSet> uses the same property)
#   PERCPU_LDFLAGS  linker flags of the library
#   PERCPU_SOURCES  the directory of the library's .c files
#   PERCPU_INCLUDES include directories, separated by spaces (headers, javac -h output, the JDK's jni.h)
#   PERCPU_GLIBC_BASELINE  the newest glibc version the libraries may require (check-glibc), e.g. 2.17
# Nothing here installs software: a missing tool stops the build with a message naming
# scripts/install-build-deps.sh and -Dpercpu.aarch64.skip=true.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

die() {
    echo "native-build.sh: $*" >&2
    exit 1
}

[ $# -eq 3 ] || die "usage: native-build.sh library|check-sections|c-tests|check-glibc ARCH OUT"
command="$1"
arch="$2"
out="$3"

if [ "${arch}" = "aarch64" ] && [ "${PERCPU_AARCH64_SKIP:-false}" = "true" ]; then
    if [ "${command}" = "library" ]; then
        rm -f "${out}"
        rmdir "$(dirname "${out}")" 2>/dev/null || true
    fi
    echo "native-build.sh: aarch64 ${command} skipped (-Dpercpu.aarch64.skip=true): the jar carries linux-x86_64 only"
    exit 0
fi
for var in PERCPU_CFLAGS PERCPU_LDFLAGS PERCPU_SOURCES PERCPU_INCLUDES PERCPU_GLIBC_BASELINE; do
    [ -n "${!var:-}" ] || die "${var} is not set (Maven sets it: run this through mvn, see docs/build.md)"
done

case "${arch}" in
    x86_64) tools="" ;;
    aarch64) tools="aarch64-linux-gnu-" ;;
    *) die "unknown architecture ${arch} (x86_64 or aarch64)" ;;
esac
cc="${tools}gcc"
missing=()
for tool in "${cc}" "${tools}objdump" "${tools}addr2line" python3; do
    command -v "${tool}" >/dev/null || missing+=("${tool}")
done
if [ "${arch}" = "aarch64" ] && [ ! -e /usr/aarch64-linux-gnu/lib/libc.a ]; then
    missing+=("/usr/aarch64-linux-gnu/lib/libc.a (the arm64 C library)")
fi
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}. Install the build dependencies with
    scripts/install-build-deps.sh    (Debian/Ubuntu: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user, python3)
or build the x86-64 library only with -Dpercpu.aarch64.skip=true (docs/build.md)."

read -r -a cflags <<< "${PERCPU_CFLAGS}"
read -r -a ldflags <<< "${PERCPU_LDFLAGS}"
includes=()
for dir in ${PERCPU_INCLUDES}; do
    includes+=("-I${dir}")
done
sources=("${PERCPU_SOURCES}"/*.c)

case "${command}" in
    library)
        mkdir -p "$(dirname "${out}")"
        "${cc}" "${cflags[@]}" "${includes[@]}" -shared "${ldflags[@]}" -o "${out}" "${sources[@]}" -lpthread -ldl
        echo "native-build.sh: built ${out} ($(${tools}objdump -f "${out}" | sed -n 's/.*file format //p'))"
        ;;
    check-sections)
        # The library's own sources and flags, plus -g (for addr2line; it changes no code),
        # -DPERCPU_STATIC_IMAGE (no symbol versions in a static link, percpu_rseq.c) and an empty
        # main, linked static and non-PIE: the descriptors then hold final addresses, not relocations.
        objects="${out}/objects"
        mkdir -p "${objects}"
        for source in "${sources[@]}"; do
            name="$(basename "${source}" .c)"
            "${cc}" "${cflags[@]}" -g -DPERCPU_STATIC_IMAGE "${includes[@]}" -c -o "${objects}/${name}.o" "${source}"
            "${cc}" "${cflags[@]}" -DPERCPU_STATIC_IMAGE "${includes[@]}" -E -o "${objects}/${name}.i" "${source}"
        done
        "${cc}" "${cflags[@]}" -c -o "${objects}/empty_main.o" "${here}/empty_main.c"
        "${cc}" -static -no-pie -o "${out}/rseq-sections-image" "${objects}"/*.o -lpthread -ldl
        check_args=(--image "${out}/rseq-sections-image" --preprocessed "${objects}"/*.i
                    --objdump "${tools}objdump" --addr2line "${tools}addr2line")
        python3 "${here}/rseq_sections_check.py" "${check_args[@]}"
        python3 "${here}/rseq_sections_check_test.py" "${check_args[@]}"
        ;;
    check-glibc)
        [ -f "${out}" ] || die "${out} not found (the library is built at compile)"
        python3 "${here}/glibc_versions_check.py" --objdump "${tools}objdump" \
            --baseline "${PERCPU_GLIBC_BASELINE}" "${out}"
        python3 "${here}/glibc_versions_check_test.py" --cc "${cc}" --objdump "${tools}objdump"
        ;;
    c-tests)
        [ "${arch}" = "aarch64" ] || die "c-tests is for aarch64 (NAR runs the x86-64 C tests)"
        # The script takes no lock: Maven's caller holds it.
        bash "${here}/../cross/aarch64-c-tests.sh" "${out}"
        ;;
    *)
        die "unknown command ${command}"
        ;;
esac
