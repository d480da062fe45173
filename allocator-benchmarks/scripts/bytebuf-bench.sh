#!/usr/bin/env bash
# bytebuf-bench.sh - the ByteBuf-level benchmarks on both thread types and both leak levels.
#
#   allocator-benchmarks/scripts/bytebuf-bench.sh full    # 1 fork, 2 x 1 s warm-up, 3 x 1 s measurement: 174 runs, about 17 min per JDK
#   allocator-benchmarks/scripts/bytebuf-bench.sh quick   # 1 fork, 1 x 1 s warm-up, 2 x 1 s measurement, fewer sizes: 114 runs, about 8 min per JDK
#   allocator-benchmarks/scripts/bytebuf-bench.sh smoke   # 1 fork, 1 + 1 iterations of 1 s, one size per shape: proves the set-up
#
# Every shape runs with percpu's PercpuByteBufAllocator.DEFAULT, Netty's
# AdaptiveByteBufAllocator and Netty's PooledByteBufAllocator, in four
# combinations: benchmark threads that are JMH's plain threads or threads as
# an event loop has them (FastThreadLocalExecutor: FastThreadLocalThreads with
# a current Netty executor, where Adaptive serves from its thread-local
# magazines and Pooled from its thread caches), times
# Netty's leak detection off (-Dio.netty.leakDetection.level=disabled) or at
# Netty's default level (simple). Shapes (SHAPES, all by default):
#   ring        DefaultRingBench.replace: a ring of 8192 live buffers, release
#               the one at a random index and allocate one in its place;
#               0 B, 256 B, 1, 4, 16 and 64 KiB (Netty's own allocator benchmark)
#   random      ByteBufBench.allocateRelease, size=random16k: 1 B to 16 KiB,
#               allocated and released at once
#   write4k     ByteBufBench.oneThread, size=4096: allocate, writeLong, release
#   grow        ByteBufBench.allocateAndGrow: directBuffer() (256 B), then
#               4, 16 or 64 KiB written in 1 KiB pieces, growing it; release
#   concurrent  ByteBufBench.oneThread, size=4096, with 8 and with 32 threads
#               (-t 8, -t 32) sharing one allocator
#   breakdown   ByteBufCostBench, size=random16k, percpu only: the pieces of an
#               allocate + release (the size-class pair, the class lookup, the
#               wrapper table, init, the reference count, the whole ByteBuf
#               pair); at leak level simple only the whole pair
# and, when named in SHAPES (not run by default, to keep a full run near 20
# minutes per JDK):
#   handover    ByteBufHandoverBench, 4 KiB: allocate on one thread, release
#               on another (both of the thread type)
#   ringwrite   ByteBufRingBench.oneThread, size=mix: a ring of 8192 per thread,
#               release + allocate + writeLong, sizes of 64 B to 1 MiB
# on JDK 17 with the JNI bridge and JDK 25 with the FFM bridge (BENCH_JVMS),
# each fork with -Xmx768m -XX:MaxDirectMemorySize=768m (Netty's harness; DEFAULT's
# cap follows the direct memory limit) and -prof gc (B/op).
#
# Fork options: a command-line -jvmArgsAppend replaces the one in a class's
# @Fork (where DefaultRingBench selects its FastThreadLocalThread executor),
# so this script passes the whole set for every run and nothing of the
# annotations' reaches a fork. JMH writes each fork's options into its JSON
# ("jvmArgs"); the table (allocator-benchmarks/scripts/bytebuf_table.py) reads the thread type,
# the leak level and the bridge from there, not from file names.
#
# Steps, from the repository root (the script goes there itself, so it runs from any directory):
#  1. builds the benchmarks jar with JDK 25 (the multi-release jar then holds the
#     FFM bridge), unless NO_BUILD=1
#  2. counts the runs (JMH -l with the same regex and -p options) and prints
#     the estimate
#  3. one JMH invocation per JDK x thread type x leak level x shape (x thread
#     count), each under the lock, -foe true -> jmh-<jvm>-<threads>-<leak>-<shape>.json/.log
#  4. allocator-benchmarks/scripts/bytebuf_table.py -> table.md
# Every command is printed before it runs ("+ ...").
#
# Environment (defaults in brackets):
#   BENCH_JVMS     which JVMs ["jdk17-jni jdk25-ffm"]
#   THREAD_TYPES   ["plain fastthreadlocal"]
#   LEAK_LEVELS    ["disabled simple"]
#   SHAPES         ["ring random write4k grow concurrent breakdown"]
#   JDK17, JDK25   JDK homes [/usr/lib/jvm/java-17-openjdk-amd64, /usr/lib/jvm/temurin-25-jdk-amd64]
#   PERCPU_LOCK    lock file taken for the build and each JMH invocation
#                  [/tmp/percpu-mvn.lock]; empty: no lock. Do not run this
#                  script under that lock yourself.
#   NO_BUILD       1: use allocator-benchmarks/target/percpu-benchmarks.jar as it is
#   DRY_RUN        1: print the estimate and every JMH command line, run nothing
#                  (needs the jar, for the count)
#   BENCH_OUT      results directory [target/bytebuf-bench/<UTC date-time>-<mode>]; a relative
#                  path is taken from the repository root
set -euo pipefail

MODE="${1:-quick}"
cd "$(dirname "$0")/../.."
JDK17="${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
LOCK="${PERCPU_LOCK-/tmp/percpu-mvn.lock}"
JVM_SET="${BENCH_JVMS:-jdk17-jni jdk25-ffm}"
THREAD_SET="${THREAD_TYPES:-plain fastthreadlocal}"
LEAK_SET="${LEAK_LEVELS:-disabled simple}"
SHAPE_SET="${SHAPES:-ring random write4k grow concurrent breakdown}"
JAR=allocator-benchmarks/target/percpu-benchmarks.jar
PKG='^dev\.percpu\.benchmarks\.percpu\.'
ALLOCATORS=percpuDefault,adaptive,pooled

case "$MODE" in
  full)
    ITERATIONS=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
    RING_SIZES=0,256,1024,4096,16384,65536
    GROW_SIZES=4096,16384,65536 ;;
  quick)
    ITERATIONS=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
    RING_SIZES=256,4096,65536
    GROW_SIZES=16384 ;;
  smoke)
    ITERATIONS=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
    RING_SIZES=4096
    GROW_SIZES=16384 ;;
  *) echo "usage: $0 full|quick|smoke" >&2; exit 2 ;;
esac
OUT="${BENCH_OUT:-target/bytebuf-bench/$(date -u +%Y%m%dT%H%M%SZ)-$MODE}"

show() { # prints a command as it can be pasted into a shell
  printf '+'
  printf ' %q' "$@"
  printf '\n'
}

locked() { # runs a command under the lock, if there is one
  if [ -n "$LOCK" ]; then
    flock "$LOCK" "$@"
  else
    "$@"
  fi
}

java_of() { # jvm -> java executable
  case "$1" in
    jdk17-jni) echo "$JDK17/bin/java" ;;
    jdk25-ffm) echo "$JDK25/bin/java" ;;
    *) echo "unknown JVM $1 (jdk17-jni, jdk25-ffm)" >&2; exit 2 ;;
  esac
}

fork_args() { # jvm threads leak -> the whole option set of a fork
  local args="--enable-native-access=ALL-UNNAMED -Xmx768m -XX:MaxDirectMemorySize=768m"
  case "$1" in
    jdk17-jni) args+=" -Dpercpu.bridge=jni" ;;
    # Netty turns its Unsafe use off on JDK 24+ without the first flag (JDK 17 rejects it).
    jdk25-ffm) args+=" --sun-misc-unsafe-memory-access=allow -Dpercpu.bridge=ffm" ;;
  esac
  case "$2" in
    plain) ;;
    fastthreadlocal)
      args+=" -Djmh.executor=CUSTOM -Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor" ;;
    *) echo "unknown thread type $2 (plain, fastthreadlocal)" >&2; exit 2 ;;
  esac
  case "$3" in
    disabled|simple) args+=" -Dio.netty.leakDetection.level=$3" ;;
    *) echo "unknown leak level $3 (disabled, simple)" >&2; exit 2 ;;
  esac
  echo "$args"
}

# One invocation per line: name|regex|JMH options. A shape may have several (breakdown, concurrent).
invocations() { # leak -> the invocations of the selected shapes
  local shape
  for shape in $SHAPE_SET; do
    case "$shape" in
      ring) echo "ring|${PKG}DefaultRingBench\.replace\$|-p allocator=$ALLOCATORS -p size=$RING_SIZES" ;;
      random) echo "random|${PKG}ByteBufBench\.allocateRelease\$|-p allocator=$ALLOCATORS -p size=random16k" ;;
      write4k) echo "write4k|${PKG}ByteBufBench\.oneThread\$|-p allocator=$ALLOCATORS -p size=4096" ;;
      grow) echo "grow|${PKG}ByteBufBench\.allocateAndGrow\$|-p allocator=$ALLOCATORS -p size=$GROW_SIZES" ;;
      concurrent)
        echo "concurrent-t8|${PKG}ByteBufBench\.oneThread\$|-p allocator=$ALLOCATORS -p size=4096 -t 8"
        echo "concurrent-t32|${PKG}ByteBufBench\.oneThread\$|-p allocator=$ALLOCATORS -p size=4096 -t 32" ;;
      breakdown)
        if [ "$1" = disabled ]; then
          echo "breakdown|${PKG}ByteBufCostBench\.|-p size=random16k"
        else
          echo "breakdown|${PKG}ByteBufCostBench\.byteBufPair\$|-p size=random16k"
        fi ;;
      handover) echo "handover|${PKG}ByteBufHandoverBench\.|-p allocator=$ALLOCATORS -p size=4096" ;;
      ringwrite) echo "ringwrite|${PKG}ByteBufRingBench\.oneThread\$|-p allocator=$ALLOCATORS -p size=mix" ;;
      *) echo "unknown shape $shape (ring random write4k grow concurrent breakdown handover ringwrite)" >&2; exit 2 ;;
    esac
  done
}

# Unknown names stop the script here (inside $(...) or <(...) an exit would only end a subshell).
for jvm in $JVM_SET; do java_of "$jvm" > /dev/null; done
for threads in $THREAD_SET; do fork_args jdk17-jni "$threads" disabled > /dev/null; done
for leak in $LEAK_SET; do fork_args jdk17-jni plain "$leak" > /dev/null; invocations "$leak" > /dev/null; done
DRY="${DRY_RUN:-0}"
if [ "$DRY" = 1 ]; then
  NO_BUILD=1
  OUT=$(mktemp -d)
fi
mkdir -p "$OUT"

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "== build (JDK 25)"
  command=(env JAVA_HOME="$JDK25" PATH="$JDK25/bin:$PATH" mvn -B -ntp -q -o -Dpercpu.aarch64.skip=true
    -pl allocator-benchmarks -am package -DskipTests)
  show "${command[@]}"
  locked "${command[@]}"
fi
[ -f "$JAR" ] || { echo "$JAR missing: build it, or run without NO_BUILD=1" >&2; exit 1; }

# Runs per invocation: the benchmarks JMH lists for the regex times the values of each -p option.
RUNS=0
for leak in $LEAK_SET; do
  while IFS='|' read -r name regex options; do
    read -r -a opts <<< "$options"
    benchmarks=$("$JDK17/bin/java" -cp "$JAR" org.openjdk.jmh.Main "$regex" -l 2>/dev/null | grep -c '^ *dev\.percpu' || true)
    product=1
    for ((k = 0; k < ${#opts[@]}; k++)); do
      if [ "${opts[k]}" = -p ]; then
        values="${opts[k + 1]#*=}"
        product=$((product * ($(tr -cd , <<< "$values" | wc -c) + 1)))
      fi
    done
    RUNS=$((RUNS + benchmarks * product))
  done < <(invocations "$leak")
done
THREAD_TYPES_N=$(wc -w <<< "$THREAD_SET")
RUNS=$((RUNS * THREAD_TYPES_N))
JVMS=$(wc -w <<< "$JVM_SET")
# Iterations of 1 s, plus about a second per fork for the JVM's start, the setup and the teardown.
SECONDS_PER_RUN=$((${ITERATIONS[3]} + ${ITERATIONS[7]} + 1))
echo "== estimate: $RUNS JMH runs per JVM at about $SECONDS_PER_RUN s each (${ITERATIONS[*]}, plus JVM start):" \
  "about $((RUNS * SECONDS_PER_RUN / 60)) min per JVM, $((RUNS * SECONDS_PER_RUN * JVMS / 60)) min for $JVMS"

{
  echo "mode: $MODE (${ITERATIONS[*]}), shapes: $SHAPE_SET"
  echo "thread types: $THREAD_SET; leak levels: $LEAK_SET; JVMs: $JVM_SET"
  echo "date: $(date -u)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' plus uncommitted changes')"
  echo "kernel: $(uname -r), nproc: $(nproc), cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "estimate: $RUNS runs per JVM"
} > "$OUT/machine.txt"

for jvm in $JVM_SET; do
  java=$(java_of "$jvm")
  echo "$jvm: $("$java" -version 2>&1 | sed -n 2p)" >> "$OUT/machine.txt"
  for threads in $THREAD_SET; do
    for leak in $LEAK_SET; do
      args=$(fork_args "$jvm" "$threads" "$leak")
      while IFS='|' read -r name regex options; do
        read -r -a opts <<< "$options"
        base="$OUT/jmh-$jvm-$threads-$leak-$name"
        command=("$java" -cp "$JAR" org.openjdk.jmh.Main "$regex" "${opts[@]}" "${ITERATIONS[@]}"
          -foe true -prof gc -rf json -rff "$base.json" -jvmArgsAppend "$args")
        echo "$(show "${command[@]}") > $base.log"
        if [ "$DRY" = 1 ]; then
          continue
        fi
        locked "${command[@]}" > "$base.log" 2>&1 || { echo "FAILED, see $base.log" >&2; tail -20 "$base.log" >&2; exit 1; }
        grep -E '^(Benchmark  |[A-Za-z]*Bench\.[a-zA-Z]+ )' "$base.log" | grep -v ':·\|:gc\.' || true
      done < <(invocations "$leak")
    done
  done
done
if [ "$DRY" = 1 ]; then
  rm -r "$OUT"
  exit 0
fi
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

echo "== table"
show python3 allocator-benchmarks/scripts/bytebuf_table.py "$OUT"
python3 allocator-benchmarks/scripts/bytebuf_table.py "$OUT" | tee "$OUT/table.md"
echo "== wrote $OUT/table.md"
