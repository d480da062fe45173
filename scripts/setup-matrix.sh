#!/usr/bin/env bash
# Runs the whole suite (mvn verify: Java tests and C tests) once in each
# deployment set-up and prints a table. See docs/build.md, "Set-ups".
#
#   scripts/setup-matrix.sh [set-up ...]    default: glibc own blocked storm
#
# Set-ups:
#   glibc    glibc registers rseq (glibc 2.35+ default)     declares glibc
#   own      GLIBC_TUNABLES=glibc.pthread.rseq=0            declares own
#   blocked  seccomp: rseq fails with ENOSYS, plus the
#            tunable so glibc registers no thread           declares none
#   storm    SIGURG every 20 us to random threads and every
#            thread moved between CPU sets every 1 ms       declares glibc
#
# The preloads and the tunable reach only the test JVMs and the C test
# binaries (PERCPU_TEST_LD_PRELOAD / PERCPU_TEST_GLIBC_TUNABLES, read by the
# root pom's setup-* profiles and by percpu_test_setup.h), never Maven, javac
# or gcc. Each run holds the build lock PERCPU_MATRIX_LOCK (default
# /tmp/percpu-mvn.lock; set it empty when the caller already holds it).
# MVN_ARGS (default "clean verify") are passed to Maven; each run's log goes
# to a new directory (printed; outside target/, which "mvn clean" removes).
# JDK=<java home> runs Maven and the tests on that JDK (default: the current
# JAVA_HOME / java on the PATH), e.g.
#   JDK=/usr/lib/jvm/temurin-25-jdk-amd64 scripts/setup-matrix.sh
# Exit status 1 if any set-up failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

setups=("$@")
[ ${#setups[@]} -eq 0 ] && setups=(glibc own blocked storm)
lock="${PERCPU_MATRIX_LOCK-/tmp/percpu-mvn.lock}"
read -r -a mvn_args <<< "${MVN_ARGS:-clean verify}"
if [ -n "${JDK:-}" ]; then
    [ -x "${JDK}/bin/java" ] || { echo "JDK=${JDK}: no bin/java there" >&2; exit 2; }
    export JAVA_HOME="${JDK}" PATH="${JDK}/bin:${PATH}"
fi

# The preloads are built outside target/, which "mvn clean" removes mid-run.
tools=$(mktemp -d "${TMPDIR:-/tmp}/percpu-setups.XXXXXX")
trap 'rm -rf "${tools}"' EXIT
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -o "${tools}/librseq_enosys.so" scripts/setups/rseq_enosys_preload.c || exit 1
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -pthread -o "${tools}/libstorm.so" scripts/setups/storm_preload.c || exit 1

logs=$(mktemp -d "${TMPDIR:-/tmp}/percpu-setup-matrix.XXXXXX")

# Prints "run skipped failed" summed over this build's surefire reports.
count_tests() {
    python3 - <<'PY'
import glob, re
run = skipped = failed = 0
for f in glob.glob("*/target/surefire-reports*/TEST-*.xml"):
    head = open(f, encoding="utf-8").read(2000)
    attr = lambda name: int((re.search(r'<testsuite[^>]*\b%s="(\d+)"' % name, head) or [0, 0])[1])
    run += attr("tests")
    skipped += attr("skipped")
    failed += attr("failures") + attr("errors")
print(run, skipped, failed)
PY
}

run_setup() {
    local setup="$1" log="${logs}/$1.log"
    local -a env
    case "${setup}" in
        glibc) env=(PERCPU_EXPECT_REGISTRATION=glibc) ;;
        own) env=(PERCPU_EXPECT_REGISTRATION=own PERCPU_TEST_GLIBC_TUNABLES=glibc.pthread.rseq=0) ;;
        blocked) env=(PERCPU_EXPECT_REGISTRATION=none PERCPU_TEST_GLIBC_TUNABLES=glibc.pthread.rseq=0
                      PERCPU_TEST_LD_PRELOAD="${tools}/librseq_enosys.so") ;;
        storm) env=(PERCPU_EXPECT_REGISTRATION=glibc PERCPU_TEST_LD_PRELOAD="${tools}/libstorm.so") ;;
        *) echo "unknown set-up ${setup} (glibc, own, blocked, storm)" >&2; return 2 ;;
    esac
    local status
    if [ -n "${lock}" ]; then
        env "${env[@]}" flock "${lock}" mvn -B -ntp "${mvn_args[@]}" > "${log}" 2>&1
    else
        env "${env[@]}" mvn -B -ntp "${mvn_args[@]}" > "${log}" 2>&1
    fi
    status=$?
    local counts native maven_time
    counts=$(count_tests)
    # Maven's own time: the wall time above also holds the waits for the build lock.
    maven_time=$(sed -n 's/.*Total time: *\([0-9.:]*\) *\(s\|min\).*/\1 \2/p' "${log}" | tail -n 1)
    native=$(grep -c "all checks passed" "${log}")
    read -r run skipped failed <<< "${counts}"
    local result=PASS
    [ "${status}" -ne 0 ] && result=FAIL
    rows+=("$(printf '| %-8s | %-6s | %-4s | %5d | %7d | %6d | %5s | %9s |' "${setup}" \
        "${env[0]#PERCPU_EXPECT_REGISTRATION=}" "${result}" "${run}" "${skipped}" "${failed}" "${native}/5" \
        "${maven_time:-?}")")
    echo "${rows[-1]}   log: ${log}"
    [ "${status}" -eq 0 ]
}

rows=()
overall=0
echo "== set-up matrix on $(java -version 2>&1 | head -n 1), $(date -u '+%Y-%m-%d %H:%M UTC')"
for setup in "${setups[@]}"; do
    run_setup "${setup}" || overall=1
done
echo
echo "| set-up   | expect | mvn  | tests | skipped | failed | C ok  | mvn time  |"
echo "|----------|--------|------|-------|---------|--------|-------|-----------|"
printf '%s\n' "${rows[@]}"
exit "${overall}"
