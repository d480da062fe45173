#!/usr/bin/env bash
# bench.sh - run percpu's benchmark suite and render it.
#
#   scripts/bench.sh quick   # a few minutes: a subset, -f 1 -wi 2 -w 1s -i 3 -r 1s
#   scripts/bench.sh full    # every JMH benchmark, -f 2 -wi 5 -w 1s -i 10 -r 1s (about an hour per JVM)
#
# Steps, all from the repository root:
#  1. compiles scripts/floor_bench.c and runs it (the C floor: percpu's rseq
#     sections called straight from C, JSON lines) -> floor.jsonl
#  2. builds the examples jar once, with JDK 25 where
#     /usr/lib/jvm/temurin-25-jdk-amd64 exists (so the multi-release jar holds
#     the FFM bridge; JDK 17 ignores the versioned classes), else with the
#     default JDK
#  3. runs JMH with -prof gc -rf json on the default JDK (JNI bridge), and on
#     JDK 25 twice (-Dpercpu.bridge=jni and -Dpercpu.bridge=ffm)
#     -> jmh-<jdk>-<bridge>.json
#  4. renders summary.md (scripts/bench_report.py) and, if matplotlib is
#     importable, PNG plots (log scale)
# Results go to target/bench/<UTC date-time>/ (or $BENCH_OUT). Extra
# arguments after the mode are passed to JMH (e.g. a different regex is not
# supported; use -p, -t, -jvmArgsPrepend ...).
set -euo pipefail

MODE="${1:-quick}"
shift || true
cd "$(dirname "$0")/.."
ROOT="$PWD"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT="${BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)-$MODE}"
mkdir -p "$OUT"
JAR=allocator-examples/target/percpu-examples.jar
BASE_ARGS="--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED"

case "$MODE" in
  quick)
    REGEX='dev\.percpu\.examples\.bench\.(PercpuBench|BridgeFloorBench|BatchBench|NettyAdaptiveBench|NettyPooledBench|UnsafeBench)\.'
    JMH_OPTS=(-f 1 -wi 2 -w 1s -i 3 -r 1s -p mode=RSEQ -p cache=allThreads)
    FLOOR_ROUNDS=5 ;;
  full)
    REGEX='dev\.percpu\.examples\.bench\..*Bench\.'
    JMH_OPTS=(-f 2 -wi 5 -w 1s -i 10 -r 1s)
    FLOOR_ROUNDS=11 ;;
  *) echo "usage: $0 quick|full [extra JMH options]" >&2; exit 2 ;;
esac

echo "== results in $OUT"
{
  echo "mode: $MODE"
  echo "date: $(date -u)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' plus uncommitted changes')"
  echo "kernel: $(uname -r)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "glibc: $(ldd --version 2>/dev/null | head -1 | awk '{print $NF}')"
  echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "jmh options: ${JMH_OPTS[*]} $*"
} > "$OUT/machine.txt"

echo "== C floor"
gcc -O3 -std=gnu11 -I allocator-native/src/main/include scripts/floor_bench.c -o target/floor_bench -lpthread
target/floor_bench "$FLOOR_ROUNDS" | tee "$OUT/floor.jsonl"

echo "== build"
if [ -x "$JDK25/bin/java" ]; then
  JAVA_HOME="$JDK25" PATH="$JDK25/bin:$PATH" mvn -q -B -o package -DskipTests
else
  mvn -q -B -o package -DskipTests
fi

run_jmh() { # name java extra-jvm-args...
  local name="$1" java="$2"; shift 2
  echo "== JMH $name ($("$java" -version 2>&1 | head -1))"
  echo "$name: $("$java" -version 2>&1 | sed -n 2p)" >> "$OUT/machine.txt"
  "$java" -cp "$JAR" org.openjdk.jmh.Main "$REGEX" "${JMH_OPTS[@]}" \
    -prof gc -rf json -rff "$OUT/jmh-$name.json" \
    -jvmArgsAppend "$BASE_ARGS $*" "${EXTRA[@]}" 2>&1 | tee "$OUT/jmh-$name.log" \
    | grep -E '^(# Benchmark:|# Parameters|Benchmark  |[A-Za-z]*Bench\.)' || true
}
EXTRA=("$@")

run_jmh jdk17-jni java -Dpercpu.bridge=jni
if [ -x "$JDK25/bin/java" ]; then
  # Netty turns its Unsafe use off on JDK 24+ without this flag (JDK 17 rejects it).
  run_jmh jdk25-jni "$JDK25/bin/java" --sun-misc-unsafe-memory-access=allow -Dpercpu.bridge=jni
  run_jmh jdk25-ffm "$JDK25/bin/java" --sun-misc-unsafe-memory-access=allow -Dpercpu.bridge=ffm
else
  echo "== $JDK25 not found: JDK 25 runs (JNI and FFM) skipped"
fi
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

echo "== report"
# The first python3 on PATH may not be the system one that apt-get installs into.
PY=python3 PLOTS=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import matplotlib' 2>/dev/null; then PY="$candidate" PLOTS=--plots; break; fi
done
if [ -z "$PLOTS" ]; then
  if command -v gnuplot >/dev/null; then
    echo "gnuplot found but not used; plots need matplotlib: apt-get install -y python3-matplotlib"
  else
    echo "matplotlib not found: plots skipped. To get them: apt-get install -y python3-matplotlib"
  fi
fi
"$PY" scripts/bench_report.py "$OUT" $PLOTS
echo "== wrote $OUT/summary.md"
ls "$OUT"
