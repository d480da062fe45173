#!/usr/bin/env bash
# Runs percpu's packaged jar on an old glibc: a Debian 11 (bullseye) root,
# glibc 2.31 and bullseye's OpenJDK 17, entered with chroot. See
# docs/build.md "Old glibc".
#
#   scripts/oldglibc/bullseye.sh test [EXAMPLES_JAR]
#       The demo of percpu-examples.jar (default
#       allocator-examples/target/percpu-examples.jar) in the root, in AUTO,
#       RSEQ and FALLBACK mode (-Dpercpu.mode), on bullseye's JDK 17 and on
#       the host's JDK 25 (PERCPU_OLDGLIBC_JDK25, default
#       /usr/lib/jvm/temurin-25-jdk-amd64) bind-mounted in. Each run must
#       print the mode asked for, percpu's own rseq registration (glibc 2.31
#       registers none) and the demo's conservation result ("every slot
#       returned"). Exit status 0 only if every run did.
#   scripts/oldglibc/bullseye.sh run [--jdk HOST_JDK_DIR] [--copy FILE]... -- JAVA_ARGUMENTS...
#       Runs java JAVA_ARGUMENTS in the root, in a fresh directory holding
#       the copied FILEs; java is bullseye's JDK 17, or the host's JDK
#       HOST_JDK_DIR bind-mounted in. Exit status: java's. For callers that
#       run another jar there (a Netty echo, say).
#   scripts/oldglibc/bullseye.sh prepare
#       Only builds the root (done by the others when needed).
#
# Sourced (". scripts/oldglibc/bullseye.sh"), it defines the functions
# bullseye_prepare and bullseye_run (same arguments as the commands) and
# runs nothing.
#
# The root is built once with debootstrap (installed with apt-get when
# missing) from the Debian mirror this machine's apt uses
# (/etc/apt/sources.list*, or PERCPU_DEBIAN_MIRROR) and kept outside the
# clone in PERCPU_OLDGLIBC_ROOT (default /var/cache/percpu/bullseye-root);
# it is built in a temporary directory and renamed when complete, so a
# directory of that name is always a finished root. /proc and /sys are
# mounted in it for the length of a run and unmounted on every exit path.
# Runs take an exclusive lock on the root (ROOT.lock).
#
# Needs root (chroot, mount). Where this is not root, or the root is not
# built yet and the mirror cannot be reached, it prints SKIPPED and exits 0;
# with PERCPU_OLDGLIBC_REQUIRED=true it exits 1 instead.

bullseye_root="${PERCPU_OLDGLIBC_ROOT:-/var/cache/percpu/bullseye-root}"
# The directory inside the root where run copies its files, and where a host JDK is mounted.
bullseye_workdir=/percpu-run
bullseye_project="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bullseye_jdk_mount=/opt/host-jdk

bullseye_skip() {
    echo "######################################################################" >&2
    echo "## bullseye.sh: SKIPPED, old-glibc test NOT RUN: $*" >&2
    echo "######################################################################" >&2
    if [ "${PERCPU_OLDGLIBC_REQUIRED:-false}" = "true" ]; then
        return 1
    fi
    return 3
}

bullseye_die() {
    echo "bullseye.sh: $*" >&2
    return 1
}

# The Debian mirror of this machine's apt sources (one-line or deb822 format), first one serving Debian itself.
bullseye_mirror() {
    if [ -n "${PERCPU_DEBIAN_MIRROR:-}" ]; then
        echo "${PERCPU_DEBIAN_MIRROR}"
        return 0
    fi
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        sed -n -e 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
               -e 's/^[[:space:]]*URIs:[[:space:]]*//p' |
        tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | head -n 1
}

# Builds the root unless it exists. Returns 0 when the root is there, 3 for a skip, 1 on failure.
bullseye_prepare() {
    if [ "$(id -u)" -ne 0 ]; then
        bullseye_skip "not root (chroot and mount need root)"
        return
    fi
    if [ -e "${bullseye_root}/.percpu-root-complete" ]; then
        return 0
    fi
    local mirror
    mirror="$(bullseye_mirror)"
    if [ -z "${mirror}" ]; then
        bullseye_skip "no Debian mirror in /etc/apt/sources.list* (set PERCPU_DEBIAN_MIRROR)"
        return
    fi
    mirror="${mirror%/}"
    if ! curl -fsS --max-time 20 -o /dev/null "${mirror}/dists/bullseye/Release"; then
        bullseye_skip "the Debian mirror ${mirror} cannot be reached (${mirror}/dists/bullseye/Release)"
        return
    fi
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "bullseye.sh: installing debootstrap (apt-get)"
        apt-get update -q >/dev/null || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null || return 1
    fi
    local building="${bullseye_root}.building"
    # An earlier build that was interrupted: nothing is mounted in it (runs use finished roots only).
    if grep -q " ${building}/" /proc/mounts; then
        bullseye_die "${building} has mounts (see /proc/mounts): unmount them, then remove it"
        return
    fi
    rm -rf "${building}"
    mkdir -p "$(dirname "${bullseye_root}")"
    echo "bullseye.sh: building the Debian 11 root in ${bullseye_root} from ${mirror} (once; a few minutes)"
    local started=${SECONDS}
    if ! debootstrap --variant=minbase --include=openjdk-17-jre-headless bullseye "${building}" "${mirror}" \
        > "${bullseye_root}.debootstrap.log" 2>&1; then
        tail -n 20 "${bullseye_root}.debootstrap.log" >&2
        bullseye_die "debootstrap failed (log: ${bullseye_root}.debootstrap.log)"
        return
    fi
    # Downloaded packages are not needed once installed.
    rm -rf "${building}"/var/cache/apt/archives/*.deb
    mkdir -p "${building}${bullseye_workdir}" "${building}${bullseye_jdk_mount}"
    echo "glibc $(chroot "${building}" ldd --version | head -n 1)" > "${building}/.percpu-root-complete"
    mv "${building}" "${bullseye_root}"
    echo "bullseye.sh: root built in $((SECONDS - started)) s: $(cat "${bullseye_root}/.percpu-root-complete")"
}

# Unmounts whatever bullseye_mount mounted, innermost first; safe to call twice.
bullseye_unmount() {
    local target
    for target in "${bullseye_root}${bullseye_jdk_mount}" "${bullseye_root}/sys" "${bullseye_root}/proc"; do
        if grep -q " ${target} " /proc/mounts; then
            umount "${target}" || umount -l "${target}"
        fi
    done
}

bullseye_mount() {
    local jdk="$1"
    mount -t proc proc "${bullseye_root}/proc"
    mount -t sysfs -o ro sysfs "${bullseye_root}/sys"
    if [ -n "${jdk}" ]; then
        mkdir -p "${bullseye_root}${bullseye_jdk_mount}"
        mount --bind "${jdk}" "${bullseye_root}${bullseye_jdk_mount}"
        mount -o remount,bind,ro "${bullseye_root}${bullseye_jdk_mount}"
    fi
}

# bullseye_run [--jdk HOST_JDK_DIR] [--copy FILE]... -- JAVA_ARGUMENTS...: java's exit status, 3 for a skip.
bullseye_run() {
    local jdk="" copies=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --jdk) jdk="$2"; shift 2 ;;
            --copy) copies+=("$2"); shift 2 ;;
            --) shift; break ;;
            *) bullseye_die "run: unknown option $1 (usage: run [--jdk DIR] [--copy FILE]... -- JAVA_ARGUMENTS...)"; return ;;
        esac
    done
    if [ -n "${jdk}" ] && [ ! -x "${jdk}/bin/java" ]; then
        bullseye_die "run: ${jdk}/bin/java not found"
        return
    fi
    local status=0
    bullseye_prepare || return
    (
        exec 9> "${bullseye_root}.lock"
        flock 9
        trap bullseye_unmount EXIT
        trap 'exit 130' INT TERM
        bullseye_mount "${jdk}"
        rm -rf "${bullseye_root}${bullseye_workdir}"
        mkdir -p "${bullseye_root}${bullseye_workdir}"
        local file
        for file in "${copies[@]}"; do
            cp "${file}" "${bullseye_root}${bullseye_workdir}/"
        done
        local java=/usr/bin/java
        [ -n "${jdk}" ] && java="${bullseye_jdk_mount}/bin/java"
        chroot "${bullseye_root}" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
            /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "${bullseye_workdir}" "${java}" "$@"
    ) || status=$?
    return ${status}
}

# One demo run: prints its output, checks the mode, the registration and the conservation result.
bullseye_demo() {
    local label="$1" mode="$2" jar="$3" jdk="$4"
    local expect="${mode^^}"
    local jdk_option=()
    [ -n "${jdk}" ] && jdk_option=(--jdk "${jdk}")
    echo "== bullseye: ${label}, -Dpercpu.mode=${mode}"
    local output status=0
    output="$(bullseye_run "${jdk_option[@]}" --copy "${jar}" -- \
        "-Dpercpu.mode=${mode}" -jar "$(basename "${jar}")" demo 1 4 2>&1)" || status=$?
    echo "${output}" | sed 's/^/   | /'
    local failures=()
    [ ${status} -eq 0 ] || failures+=("exit status ${status}")
    if [ "${mode}" = "auto" ]; then
        grep -q -E '^  mode +(RSEQ|FALLBACK) ' <<< "${output}" || failures+=("no mode line")
        expect="RSEQ"
    fi
    grep -q -E "^  mode +${expect} " <<< "${output}" || failures+=("mode ${expect} not printed")
    # glibc 2.31 registers no rseq area: percpu registers its own for every thread.
    grep -q -E '^  rseq +OWN registration' <<< "${output}" || failures+=("not percpu's own registration")
    grep -q '^result: ok, every slot returned' <<< "${output}" || failures+=("no conservation result")
    if [ ${#failures[@]} -gt 0 ]; then
        echo "== bullseye: ${label} ${mode}: FAILED (${failures[*]})"
        return 1
    fi
    echo "== bullseye: ${label} ${mode}: ok (mode ${expect}, own registration, every slot returned)"
}

bullseye_test() {
    local jar="${1:-${bullseye_project}/allocator-examples/target/percpu-examples.jar}"
    [ -f "${jar}" ] || { bullseye_die "test: ${jar} not found (build it first: mvn package)"; return; }
    local jdk25="${PERCPU_OLDGLIBC_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
    bullseye_prepare || return
    echo "== bullseye: $(cat "${bullseye_root}/.percpu-root-complete"), jar ${jar}"
    local results=() failed=0 label jdk mode
    for label in "JDK 17 (bullseye)" "JDK 25 (host)"; do
        jdk=""
        if [ "${label}" = "JDK 25 (host)" ]; then
            if [ ! -x "${jdk25}/bin/java" ]; then
                results+=("${label}: not installed at ${jdk25}, not run")
                continue
            fi
            jdk="${jdk25}"
        fi
        for mode in auto rseq fallback; do
            if bullseye_demo "${label}" "${mode}" "${jar}" "${jdk}"; then
                results+=("${label} ${mode}: ok")
            else
                results+=("${label} ${mode}: FAILED")
                failed=$((failed + 1))
            fi
        done
    done
    echo "== bullseye results (glibc 2.31 root):"
    printf '   %s\n' "${results[@]}"
    [ ${failed} -eq 0 ] || { echo "== bullseye: ${failed} run(s) failed" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    command="${1:-test}"
    [ $# -gt 0 ] && shift
    case "${command}" in
        prepare) bullseye_prepare ;;
        run) bullseye_run "$@" ;;
        test) bullseye_test "$@" ;;
        *) bullseye_die "unknown command ${command} (test, run or prepare)" ;;
    esac
    status=$?
    # A skip is not a failure unless PERCPU_OLDGLIBC_REQUIRED=true made it one.
    [ ${status} -eq 3 ] && status=0
    exit ${status}
fi
