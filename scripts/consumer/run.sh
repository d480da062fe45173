#!/usr/bin/env bash
# Proof that percpu is consumable as a published artifact:
#   1. deploys percpu (parent, percpu-native, percpu-core, percpu-netty with sources jars) to a file repository,
#      target/consumer-repo at the project root, with mvn deploy -DaltDeploymentRepository;
#   2. builds the outside project in this directory (groupId dev.percpu.consumer) against that
#      repository and Maven Central only, with its own local repository (outside the clone:
#      ${XDG_CACHE_HOME:-~/.cache}/percpu/consumer-m2, percpu's artifacts removed from it first), so
#      nothing comes from the reactor or the shared ~/.m2;
#   3. runs its self-contained jar (java -jar, no compiler needed): a Netty echo over 127.0.0.1
#      whose buffers come from PercpuByteBufAllocator, printing an OK or FAIL line; with the JDK on
#      PATH and, where installed, JDK 25 (JDK25=<dir> to name another; JDK25= to skip).
# Prints the jar's path last (CONSUMER_JAR=...) for scripts that run it elsewhere.
# Environment: MVN_ARGS, extra arguments for the percpu deploy (e.g. -Dpercpu.aarch64.skip=true);
# PERCPU_MVN_LOCK, a lock file the percpu deploy holds (empty: none; default /tmp/percpu-mvn.lock).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
repo="${root}/target/consumer-repo"
local_repo="${XDG_CACHE_HOME:-${HOME}/.cache}/percpu/consumer-m2"
lock="${PERCPU_MVN_LOCK-/tmp/percpu-mvn.lock}"
jdk25="${JDK25-/usr/lib/jvm/temurin-25-jdk-amd64}"

locked() {
    if [ -n "${lock}" ]; then flock "${lock}" "$@"; else "$@"; fi
}

echo "== consumer: deploying percpu to ${repo}"
rm -rf "${repo}"
# shellcheck disable=SC2086
(cd "${root}" && locked mvn -B -q -ntp clean deploy -DskipTests ${MVN_ARGS:-} \
    -DaltDeploymentRepository="consumer-check::file://${repo}")
for artifact in percpu-parent percpu-native percpu-core percpu-netty; do
    [ -d "${repo}/dev/percpu/${artifact}" ] || { echo "FAIL consumer: ${artifact} was not deployed to ${repo}"; exit 1; }
done

echo "== consumer: building ${here} against ${repo} and Maven Central"
rm -rf "${local_repo}/dev/percpu"
(cd "${here}" && locked mvn -B -q -ntp -Dmaven.repo.local="${local_repo}" -Dpercpu.repo="file://${repo}" clean package)
jar="${here}/target/percpu-consumer.jar"

run_jar() { # <java> <label>
    echo "== consumer: java -jar on $2"
    "$1" -jar "${jar}"
}
run_jar java "$(java -version 2>&1 | head -n 1)"
if [ -n "${jdk25}" ] && [ -x "${jdk25}/bin/java" ]; then
    run_jar "${jdk25}/bin/java" "JDK 25 (${jdk25})"
fi
echo "CONSUMER_JAR=${jar}"
