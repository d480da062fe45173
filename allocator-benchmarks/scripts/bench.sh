#!/usr/bin/env bash
# bench.sh - run percpu's benchmark suite and render it.
#
#   allocator-benchmarks/scripts/bench.sh quick   # a subset, -f 1 -wi 2 -w 1s -i 3 -r 1s (about 4 min per JVM, 12 min for three)
#   allocator-benchmarks/scripts/bench.sh full    # every JMH benchmark, -f 1 -wi 3 -w 1s -i 5 -r 1s (about 40 min per JVM, 2 h for three)
#
# quick runs the pair benchmarks of percpu, the bridge floor, BatchBench, Netty
# (Adaptive, Pooled with cache=allThreads) and Unsafe, plus a slice of the
# allocation-matrix and ring families: every Matrix*Bench with size=4096 as batch1OneThread,
# batch1SixteenThreads and batch32OneThread, and RingBench.oneThread with
# size=4096 for every allocator. (-p size=4096 also restricts RingBench; -p
# cache=allThreads restricts NettyPooledBench and MatrixNettyPooledBench.)
# full runs every benchmark with every parameter. Before the JMH runs the
# script counts the runs (JMH -lp, with the -p options) and prints an
# estimate of the duration.
#
# Steps, all from the repository root (the script goes there itself, so it runs from any directory):
#  1. builds the benchmarks jar once (allocator-benchmarks and what it needs), with JDK 25 where
#     /usr/lib/jvm/temurin-25-jdk-amd64 exists (so the multi-release jar holds
#     the FFM bridge; JDK 17 ignores the versioned classes), else with the
#     default JDK; counts the runs and prints the estimate
#  2. compiles allocator-benchmarks/src/main/c/floor_bench.c into a temporary
#     directory and runs it (the C floor: percpu's rseq sections called
#     straight from C, JSON lines) -> floor.jsonl
#  3. runs JMH with -prof gc -rf json on the default JDK (JNI bridge), and on
#     JDK 25 twice (-Dpercpu.bridge=jni and -Dpercpu.bridge=ffm)
#     -> jmh-<jdk>-<bridge>.json
#     full mode also runs MemoryAfterThreads (memory held after 1..64
#     threads, one child JVM per allocator and N, JDK 17) -> memory.md
#  4. renders summary.md (allocator-benchmarks/scripts/bench_report.py) and, if matplotlib is
#     importable, PNG plots (log scale)
# Results go to target/bench/<UTC date-time>/ at the repository root (or $BENCH_OUT,
# anywhere; a relative path is taken from the repository root). Extra
# arguments after the mode are passed to JMH (e.g. a different regex is not
# supported; use -p, -t, -jvmArgsPrepend ...).
#
# BENCH_JVMS selects the JVM/bridge configurations (default all three:
# "jdk17-jni jdk25-jni jdk25-ffm"), e.g. BENCH_JVMS="jdk17-jni jdk25-ffm"
# allocator-benchmarks/scripts/bench.sh full to halve a full run.
#
# JVM options go to the forks with -jvmArgs, not -jvmArgsAppend: a
# command-line -jvmArgsAppend replaces the one in a class's @Fork, and
# several classes (NettyEventLoopThreadBench, NettyRecyclerEventLoopBench,
# MatrixNetty*Bench, RingBench) select their FastThreadLocalThread executor
# there. So do not pass -jvmArgsAppend as an extra argument either.
#
# Neither the build nor the runs take a lock: where builds share the machine, run the
# script under one (e.g. flock /tmp/percpu-mvn.lock allocator-benchmarks/scripts/bench.sh quick).
#
# Benchmark classes (JMH names are package.Class.method), all in allocator-benchmarks:
#   dev.percpu.benchmarks.percpu     percpu's own benchmarks
#   dev.percpu.benchmarks.baselines  Netty, allocateDirect, Unsafe, Recycler, RingBench
#   dev.percpu.benchmarks.bridge     BridgeFloorBench, the bare bridge pair
set -euo pipefail

MODE="${1:-quick}"
shift || true
cd "$(dirname "$0")/../.."
ROOT="$PWD"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OUT="${BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)-$MODE}"
mkdir -p "$OUT"
JAR=allocator-benchmarks/target/percpu-benchmarks.jar
BASE_ARGS="--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED"

case "$MODE" in
  quick)
    REGEX='^dev\.percpu\.benchmarks\.(bridge\.BridgeFloorBench\.'
    REGEX+='|percpu\.(PercpuBench|BatchBench)\.|baselines\.(NettyAdaptiveBench|NettyPooledBench|UnsafeBench)\.'
    REGEX+='|(percpu|baselines)\.Matrix[A-Za-z]*Bench\.(batch1OneThread|batch1SixteenThreads|batch32OneThread)$'
    REGEX+='|baselines\.RingBench\.oneThread$)'
    FORKS=1 WI=2 I=3
    PARAMS=(-p mode=RSEQ -p cache=allThreads -p size=4096)
    FLOOR_ROUNDS=5 ;;
  full)
    REGEX='^dev\.percpu\.benchmarks\.(percpu|baselines|bridge)\.[A-Za-z]*Bench\.'
    FORKS=1 WI=3 I=5
    PARAMS=()
    FLOOR_ROUNDS=11 ;;
  *) echo "usage: $0 quick|full [extra JMH options]" >&2; exit 2 ;;
esac
# Warmup and measurement iterations are 1 s each.
JMH_OPTS=(-f "$FORKS" -wi "$WI" -w 1s -i "$I" -r 1s "${PARAMS[@]}")
EXTRA=("$@")

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

JVM_SET=" ${BENCH_JVMS:-jdk17-jni jdk25-jni jdk25-ffm} "
wanted() { [[ "$JVM_SET" == *" $1 "* ]]; }

echo "== build"
if [ -x "$JDK25/bin/java" ]; then
  JAVA_HOME="$JDK25" PATH="$JDK25/bin:$PATH" mvn -q -B -o -pl allocator-benchmarks -am package -DskipTests
else
  mvn -q -B -o -pl allocator-benchmarks -am package -DskipTests
  JVM_SET=" ${JVM_SET/ jdk25-jni / } "
  JVM_SET="${JVM_SET/ jdk25-ffm / }"
fi
JVMS=$(wc -w <<< "$JVM_SET")

# Runs (forks) per JVM: JMH lists the selected benchmarks with their parameter
# values after -p; the runs are the product of the value counts. Each run takes
# WI + I seconds plus about 1.5 s of JVM start, setup and teardown.
RUNS=$(java -cp "$JAR" org.openjdk.jmh.Main "$REGEX" "${PARAMS[@]}" "${EXTRA[@]}" -lp 2>/dev/null | awk '
  /^Benchmarks:/ { next }
  /^[^ ]/ { total += n; n = 1 }
  /^  param / { split($0, v, "{"); n *= gsub(/,/, ",", v[2]) + 1 }
  END { print total + n }')
SECONDS_PER_JVM=$(awk -v runs="$RUNS" -v f="$FORKS" -v wi="$WI" -v i="$I" 'BEGIN { printf "%d", runs * f * (wi + i + 1.5) }')
echo "== estimate: $RUNS JMH runs x $FORKS fork(s) per JVM, about $((SECONDS_PER_JVM / 60)) min per JVM," \
  "$((SECONDS_PER_JVM * JVMS / 60)) min for $JVMS JVM(s) (plus the C floor and the report)"
echo "estimate: $RUNS runs per JVM, $((SECONDS_PER_JVM * JVMS / 60)) min for $JVMS JVM(s)" >> "$OUT/machine.txt"

echo "== C floor"
# Built in a directory of its own, so the run needs no target/ (BENCH_OUT may be anywhere).
FLOOR_DIR=$(mktemp -d)
trap 'rm -rf "$FLOOR_DIR"' EXIT
gcc -O3 -std=gnu11 -I allocator-native/src/main/include -I allocator-native/src/main/c \
  allocator-benchmarks/src/main/c/floor_bench.c -o "$FLOOR_DIR/floor_bench" -lpthread
"$FLOOR_DIR/floor_bench" "$FLOOR_ROUNDS" | tee "$OUT/floor.jsonl"

run_jmh() { # name java extra-jvm-args...
  local name="$1" java="$2"; shift 2
  echo "== JMH $name ($("$java" -version 2>&1 | head -1))"
  echo "$name: $("$java" -version 2>&1 | sed -n 2p)" >> "$OUT/machine.txt"
  "$java" -cp "$JAR" org.openjdk.jmh.Main "$REGEX" "${JMH_OPTS[@]}" \
    -prof gc -rf json -rff "$OUT/jmh-$name.json" \
    -jvmArgs "$BASE_ARGS $*" "${EXTRA[@]}" 2>&1 | tee "$OUT/jmh-$name.log" \
    | grep -E '^(# Benchmark:|# Parameters|Benchmark  |[A-Za-z.]*Bench\.)' || true
}

if wanted jdk17-jni; then
  run_jmh jdk17-jni java -Dpercpu.bridge=jni
fi
if [ -x "$JDK25/bin/java" ]; then
  # Netty turns its Unsafe use off on JDK 24+ without this flag (JDK 17 rejects it).
  if wanted jdk25-jni; then
    run_jmh jdk25-jni "$JDK25/bin/java" --sun-misc-unsafe-memory-access=allow -Dpercpu.bridge=jni
  fi
  if wanted jdk25-ffm; then
    run_jmh jdk25-ffm "$JDK25/bin/java" --sun-misc-unsafe-memory-access=allow -Dpercpu.bridge=ffm
  fi
else
  echo "== $JDK25 not found: JDK 25 runs (JNI and FFM) skipped"
fi
if [ "$MODE" = full ]; then
  # Memory held after 1, 4, 16, 64 threads: a main class (one child JVM per allocator and N), not JMH.
  echo "== MemoryAfterThreads"
  java -cp "$JAR" dev.percpu.benchmarks.baselines.MemoryAfterThreads | grep "^|" | tee "$OUT/memory.md"
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
"$PY" allocator-benchmarks/scripts/bench_report.py "$OUT" $PLOTS
echo "== wrote $OUT/summary.md"
ls "$OUT"
