#!/usr/bin/env bash
# Runs chosen test methods many times in a row, each run a fresh JVM, in the
# given set-ups and on the given JDKs, beside a CPU-bound load on every CPU,
# and prints a table. See docs/build.md, "Repeated runs under load".
#
#   RUNS=50 SETUPS="own storm" JDKS="<java home> ..." scripts/repeat-tests.sh [test ...]
#
# A test is <module>/<class>#<method>(<parameter types>), a JUnit method
# selector; every invocation of a parameterized method runs in each JVM. The
# default tests:
#   allocator-examples/dev.percpu.examples.pipeline.ZeroGcPipelineTest#shouldAllocateNothingOnTheHotLoopOnceWarm(java.lang.String)
#   allocator-netty/dev.percpu.netty.PercpuByteBufAllocatorTest#shouldReachPercpuDebugModeUnderneath(dev.percpu.runtime.Mode)
#
# RUNS     runs per set-up, JDK and test (default 50)
# SETUPS   set-ups, as in scripts/setup-matrix.sh: glibc own blocked storm
#          (default "own storm")
# JDKS     Java homes (default: the current JAVA_HOME, or the java on the PATH)
# HOLD_SECONDS  longest hold of the build lock (default 600)
#
# Per JDK the script builds the modules once with that JDK (mvn package
# -DskipTests; a JDK 22+ build puts the FFM bridge in percpu-native's jar, as
# the suite's build there does) and writes each module's test class path
# (dependency:build-classpath). Each run is one JVM with the JUnit Platform
# console launcher (fetched into the local Maven repository at the platform
# version the tests use), the JVM flags of the root pom's
# percpu.test.jvm.flags, the module's surefire system properties (the Netty
# module: percpu.bridge=jni, and on JDK 22+ a second series with
# percpu.bridge=ffm, as its ffm-bridge profile runs), and the set-up's
# environment as the root pom's setup-* profiles give it to test JVMs:
# LD_PRELOAD and GLIBC_TUNABLES for the test JVM only, and
# PERCPU_EXPECT_REGISTRATION, which the tests assert. A run passes when the
# launcher exits 0 and every test it found succeeded (none skipped or
# aborted). A series stops at its first failure; that run's output is kept
# (the directory is printed), the other series go on.
#
# Builds and runs hold the build lock PERCPU_MATRIX_LOCK (default
# /tmp/percpu-mvn.lock; empty: none): taken per set-up and JDK (with the
# build for the first set-up), given up between them and, for a moment,
# whenever it has been held HOLD_SECONDS, so that others can build. The load
# is one busy loop per CPU (nproc), running only during a series and only
# under the lock. Exit status 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

runs="${RUNS:-50}"
read -r -a setups <<< "${SETUPS:-own storm}"
if [ -n "${JDKS:-}" ]; then
    read -r -a jdks <<< "${JDKS}"
elif [ -n "${JAVA_HOME:-}" ]; then
    jdks=("${JAVA_HOME}")
else
    jdks=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi
hold_seconds="${HOLD_SECONDS:-600}"
lock="${PERCPU_MATRIX_LOCK-/tmp/percpu-mvn.lock}"
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    tests=(
        "allocator-examples/dev.percpu.examples.pipeline.ZeroGcPipelineTest#shouldAllocateNothingOnTheHotLoopOnceWarm(java.lang.String)"
        "allocator-netty/dev.percpu.netty.PercpuByteBufAllocatorTest#shouldReachPercpuDebugModeUnderneath(dev.percpu.runtime.Mode)"
    )
fi
for jdk in "${jdks[@]}"; do
    [ -x "${jdk}/bin/java" ] || { echo "JDKS: no bin/java in ${jdk}" >&2; exit 2; }
done
modules=$(for test in "${tests[@]}"; do echo "${test%%/*}"; done | sort -u | paste -sd, -)
read -r -a jvm_flags <<< "$(sed -n 's:.*<percpu.test.jvm.flags>\(.*\)</percpu.test.jvm.flags>.*:\1:p' pom.xml)"

work=$(mktemp -d "${TMPDIR:-/tmp}/percpu-repeat.XXXXXX")
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -o "${work}/librseq_enosys.so" scripts/setups/rseq_enosys_preload.c
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -pthread -o "${work}/libstorm.so" scripts/setups/storm_preload.c

# The build lock on its own descriptor: taken and given up around each build and series.
lock_fd=
held_since=0
load_pids=()
take_lock() {
    if [ -n "${lock}" ] && [ -z "${lock_fd}" ]; then
        exec {lock_fd}>>"${lock}"
        flock "${lock_fd}"
        held_since=${SECONDS}
    fi
}
release_lock() {
    if [ -n "${lock_fd}" ]; then
        flock -u "${lock_fd}"
        exec {lock_fd}>&-
        lock_fd=
    fi
}
# Gives the lock up for a moment once it has been held HOLD_SECONDS.
yield_lock_if_due() {
    if [ -n "${lock_fd}" ] && [ $((SECONDS - held_since)) -ge "${hold_seconds}" ]; then
        release_lock
        take_lock
    fi
}
start_load() {
    local cpu
    for cpu in $(seq "$(nproc)"); do
        ( while :; do :; done ) &
        load_pids+=($!)
    done
}
stop_load() {
    if [ ${#load_pids[@]} -gt 0 ]; then
        kill "${load_pids[@]}" 2> /dev/null || true
        wait "${load_pids[@]}" 2> /dev/null || true
    fi
    load_pids=()
}
trap 'stop_load; release_lock' EXIT
trap 'exit 130' INT TERM

# Prints the set-up's environment, one VAR=value a line: what the test JVM gets.
setup_env() {
    case "$1" in
        glibc) echo PERCPU_EXPECT_REGISTRATION=glibc ;;
        own) printf '%s\n' PERCPU_EXPECT_REGISTRATION=own GLIBC_TUNABLES=glibc.pthread.rseq=0 ;;
        blocked) printf '%s\n' PERCPU_EXPECT_REGISTRATION=none GLIBC_TUNABLES=glibc.pthread.rseq=0 \
                     "LD_PRELOAD=${work}/librseq_enosys.so" ;;
        storm) printf '%s\n' PERCPU_EXPECT_REGISTRATION=glibc "LD_PRELOAD=${work}/libstorm.so" ;;
        *) echo "unknown set-up $1 (glibc, own, blocked, storm)" >&2; return 2 ;;
    esac
}
for setup in "${setups[@]}"; do
    setup_env "${setup}" > /dev/null
done

# Builds the modules with the JDK in JAVA_HOME and fetches the console launcher; takes the lock and
# keeps it for the first set-up's series.
build() {
    take_lock
    mvn -B -q -ntp package -DskipTests -Dpercpu.aarch64.skip=true -pl "${modules}" -am \
        dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt \
        > "${work}/build.log" 2>&1 || { release_lock; cat "${work}/build.log" >&2; return 1; }
    local platform
    platform=$(tr ':' '\n' < "${modules%%,*}/target/test-classpath.txt" \
        | sed -n 's:.*/junit-platform-engine-\([^/]*\)\.jar$:\1:p' | head -n 1)
    launcher="${work}/junit-platform-console-standalone-${platform}.jar"
    [ -f "${launcher}" ] || mvn -B -q -ntp dependency:copy \
        -Dartifact="org.junit.platform:junit-platform-console-standalone:${platform}" \
        -DoutputDirectory="${work}" > "${work}/launcher.log" 2>&1 \
        || { release_lock; cat "${work}/launcher.log" >&2; return 1; }
}

# One run: the test's JVM, output to $1; status 0 when every test found succeeded.
run_once() {
    local log="$1" module="$2" selector="$3" bridge="$4" setup="$5"
    local -a env_vars props=()
    mapfile -t env_vars < <(setup_env "${setup}")
    [ -n "${bridge}" ] && props=("-Dpercpu.bridge=${bridge}")
    local status=0
    (cd "${module}" && env "${env_vars[@]}" "${JAVA_HOME}/bin/java" "${jvm_flags[@]}" "${props[@]}" \
        -jar "${launcher}" execute --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests \
        -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
        --select-method "${selector}") > "${log}" 2>&1 || status=$?
    [ "${status}" -eq 0 ] || return 1
    local found succeeded
    found=$(sed -n 's/^\[ *\([0-9]*\) tests found *\]$/\1/p' "${log}")
    succeeded=$(sed -n 's/^\[ *\([0-9]*\) tests successful *\]$/\1/p' "${log}")
    [ -n "${found}" ] && [ "${found}" -gt 0 ] && [ "${found}" = "${succeeded}" ]
}

# RUNS runs of one test in one set-up on one JDK, under the lock with the load; adds a row.
series() {
    local setup="$1" test="$2" bridge="$3"
    local module="${test%%/*}" selector="${test#*/}"
    local name="${selector%%(*}"
    name="${name##*.}"
    [ -n "${bridge}" ] && name+=" [${bridge}]"
    local passes=0 failures=0 run log start=${SECONDS}
    take_lock
    start_load
    for run in $(seq "${runs}"); do
        if [ -n "${lock_fd}" ] && [ $((SECONDS - held_since)) -ge "${hold_seconds}" ]; then
            stop_load
            yield_lock_if_due
            start_load
        fi
        log="${work}/${setup}-${jdk_name}-${name// /}-${run}.log"
        if run_once "${log}" "${module}" "${selector}" "${bridge}" "${setup}"; then
            passes=$((passes + 1))
            rm -f "${log}"
        else
            failures=1
            echo "FAILED: ${setup} ${jdk_name} ${name}, run ${run}: ${log}" >&2
            break
        fi
    done
    stop_load
    rows+=("$(printf '| %-7s | %-6s | %-70s | %15d | %8d |' "${setup}" "${jdk_name}" "${name}" \
        "${passes}" "${failures}")")
    echo "${rows[-1]}   $((SECONDS - start)) s"
    [ "${failures}" -eq 0 ]
}

rows=()
overall=0
echo "== repeated runs: ${runs} per test, $(nproc) busy loops, $(date -u '+%Y-%m-%d %H:%M UTC'), output in ${work}"
for jdk in "${jdks[@]}"; do
    export JAVA_HOME="${jdk}" PATH="${jdk}/bin:${PATH}"
    feature=$("${jdk}/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java.specification.version = \([0-9]*\)$/\1/p')
    jdk_name="JDK ${feature}"
    build
    for setup in "${setups[@]}"; do
        for test in "${tests[@]}"; do
            if [ "${test%%/*}" = allocator-netty ]; then
                series "${setup}" "${test}" jni || overall=1
                [ "${feature}" -ge 22 ] && { series "${setup}" "${test}" ffm || overall=1; }
            else
                series "${setup}" "${test}" "" || overall=1
            fi
        done
        release_lock
    done
done
echo
printf '| %-7s | %-6s | %-70s | %15s | %8s |\n' set-up JDK test "passes in a row" failures
printf '|---------|--------|%s|-----------------|----------|\n' "$(printf -- '-%.0s' $(seq 72))"
printf '%s\n' "${rows[@]}"
echo "wall time: ${SECONDS} s"
exit "${overall}"
