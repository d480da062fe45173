#!/usr/bin/env bash
# Prints the hand-back figures of docs/benchmarks.md ("Memory handed back"):
# a 1 GiB burst of Netty buffers released, then 10 s idle (committed bytes and
# resident set per second), the same with 1 buffer in 100 kept alive, and the
# mapping count under large-buffer churn. Needs the benchmarks jar
# (mvn -q -B -pl allocator-benchmarks -am package -DskipTests). Takes about 30 s.
# Runs from any directory (it goes to the repository root itself); takes no lock.
#
#   allocator-benchmarks/scripts/handback-figures.sh [java]
set -euo pipefail
cd "$(dirname "$0")/../.."
java="${1:-java}"
jar=allocator-benchmarks/target/percpu-benchmarks.jar
[ -f "$jar" ] || { echo "handback-figures: $jar missing: build first (mvn -q -B -pl allocator-benchmarks -am package -DskipTests)" >&2; exit 1; }
exec "$java" --enable-native-access=ALL-UNNAMED -Xmx2g -Dio.netty.leakDetection.level=disabled \
    -cp "$jar" dev.percpu.benchmarks.percpu.HandBackFigures
