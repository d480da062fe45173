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
#
# ARCH is x86_64 (the host's gcc and binutils) or aarch64 (aarch64-linux-gnu-*).
# With PERCPU_AARCH64_SKIP=true (Maven: -Dpercpu.aarch64.skip=true) every aarch64
# command only says so, and "library" removes a library an earlier build left.
# Maven passes the flags and paths, so there is one list of them (the pom):
#   PERCPU_CFLAGS   compiler flags of the library (NAR's <optionSet> uses the same property)
#   PERCPU_LDFLAGS  linker flags of the library
#   PERCPU_SOURCES  the directory of the library's .c files
#   PERCPU_INCLUDES include directories, separated by spaces (headers, javac -h output, the JDK's jni.h)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

die() {
    echo "native-build.sh: $*" >&2
    exit 1
}

[ $# -eq 3 ] || die "usage: native-build.sh library|check-sections|c-tests ARCH OUT"
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
for var in PERCPU_CFLAGS PERCPU_LDFLAGS PERCPU_SOURCES PERCPU_INCLUDES; do
    [ -n "${!var:-}" ] || die "${var} is not set (Maven sets it: run this through mvn, see docs/build.md)"
done

case "${arch}" in
    x86_64) tools="" ;;
    aarch64) tools="aarch64-linux-gnu-" ;;
    *) die "unknown architecture ${arch} (x86_64 or aarch64)" ;;
esac
cc="${tools}gcc"
for tool in "${cc}" "${tools}objdump" "${tools}addr2line"; do
    command -v "${tool}" >/dev/null || die "${tool} not found. Install the build dependencies with
    scripts/install-build-deps.sh    (Debian/Ubuntu: gcc-aarch64-linux-gnu, qemu-user)
or build the x86-64 library only with -Dpercpu.aarch64.skip=true (docs/build.md)."
done

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
        "${cc}" "${cflags[@]}" "${includes[@]}" -shared "${ldflags[@]}" -o "${out}" "${sources[@]}" -lpthread
        echo "native-build.sh: built ${out} ($(${tools}objdump -f "${out}" | sed -n 's/.*file format //p'))"
        ;;
    check-sections)
        # The library's own sources and flags, plus -g (for addr2line; it changes no code) and an empty
        # main, linked static and non-PIE: the descriptors then hold final addresses, not relocations.
        objects="${out}/objects"
        mkdir -p "${objects}"
        for source in "${sources[@]}"; do
            name="$(basename "${source}" .c)"
            "${cc}" "${cflags[@]}" -g "${includes[@]}" -c -o "${objects}/${name}.o" "${source}"
            "${cc}" "${cflags[@]}" "${includes[@]}" -E -o "${objects}/${name}.i" "${source}"
        done
        "${cc}" "${cflags[@]}" -c -o "${objects}/empty_main.o" "${here}/empty_main.c"
        "${cc}" -static -no-pie -o "${out}/rseq-sections-image" "${objects}"/*.o -lpthread
        check_args=(--image "${out}/rseq-sections-image" --preprocessed "${objects}"/*.i
                    --objdump "${tools}objdump" --addr2line "${tools}addr2line")
        python3 "${here}/rseq_sections_check.py" "${check_args[@]}"
        python3 "${here}/rseq_sections_check_test.py" "${check_args[@]}"
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
