#!/usr/bin/env bash
# Prints the hand-back figures of docs/benchmarks.md ("Memory handed back"):
# a 1 GiB burst of Netty buffers released, then 10 s idle (committed bytes and
# resident set per second), the same with 1 buffer in 100 kept alive, and the
# mapping count under large-buffer churn. Needs the examples jar
# (mvn -q -B install -DskipTests). Takes about 30 s.
#
#   scripts/handback-figures.sh [java]
set -euo pipefail
cd "$(dirname "$0")/.."
java="${1:-java}"
jar=allocator-examples/target/percpu-examples.jar
[ -f "$jar" ] || { echo "handback-figures: $jar missing: build first (mvn -q -B install -DskipTests)" >&2; exit 1; }
exec "$java" --enable-native-access=ALL-UNNAMED -Xmx2g -Dio.netty.leakDetection.level=disabled \
    -cp "$jar" dev.percpu.examples.bench.percpu.HandBackFigures
