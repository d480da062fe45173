#!/usr/bin/env bash
# Runs the jcstress tests of allocator-jcstress (the Java-side races: the slow-path lock, close
# against allocate and free, the Netty wrapper table) from the runner jar a build left in
# allocator-jcstress/target (mvn package or verify; this script builds nothing).
#
#   scripts/jcstress.sh [jcstress option ...]      e.g.  -m default  |  -jvmArgs "..."
#
# Mode: JCSTRESS_MODE (default quick; jcstress's presets are sanity, quick, default, tough, stress),
# unless the options name one with -m. The forked test JVMs get the flags every test JVM of the build
# gets (native access, Agrona's add-opens). Two passes: the tests whose every state is a fresh
# allocator (close races, first use) run with at most 64 states alive at once, since jcstress
# otherwise makes thousands ahead and each maps memory (vm.max_map_count); the rest run with
# jcstress's own strides. Reports go to allocator-jcstress/target/jcstress-results{,-fresh}.
# Exits non-zero when a test observed a forbidden outcome or failed to run.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=allocator-jcstress/target/percpu-jcstress.jar
if [ ! -f "${jar}" ]; then
    echo "jcstress: ${jar} is missing; build it first (mvn -pl allocator-jcstress -am package)" >&2
    exit 1
fi
mode=(-m "${JCSTRESS_MODE:-quick}")
for arg in "$@"; do
    [ "${arg}" = "-m" ] && mode=()
done
flags="--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED"
fresh='.*(SlabCloseStress|SizeClassCloseStress|WrapperTableStress\.FirstUse).*'
shared='.*(SlowPathLockStress|WrapperTableStress\.HandOver).*'
# jcstress writes its raw result files to the working directory: keep them under target.
cd allocator-jcstress/target
echo "== jcstress: tests on shared or plain state"
java -jar percpu-jcstress.jar "${mode[@]}" -r jcstress-results -t "${shared}" -jvmArgsPrepend "${flags}" "$@"
echo "== jcstress: tests whose every state is a fresh allocator"
java -jar percpu-jcstress.jar "${mode[@]}" -r jcstress-results-fresh -t "${fresh}" \
    -strideCount 1 -strideSize 64 -jvmArgsPrepend "${flags}" "$@"
