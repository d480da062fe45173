#!/usr/bin/env bash
# ab-pair.sh - A/B of the allocate + free pair between two git revisions.
#
#   allocator-benchmarks/scripts/ab-pair.sh REV_A REV_B   (from any directory)
#
# Builds the benchmark jar of each revision (a detached `git worktree` in a
# temporary directory, `mvn -B -ntp -q -DskipTests package` there with JDK 25,
# so the multi-release jar holds the FFM bridge; never install):
# allocator-benchmarks/target/percpu-benchmarks.jar, or for a revision without
# that module allocator-examples/target/percpu-examples.jar. Then it runs
# the pair benchmarks of both jars interleaved, A B A B ..., one JMH fork per
# run, on JDK 17 (JNI bridge) and on JDK 25 (FFM bridge, -Dpercpu.bridge=ffm),
# with -prof gc, and prints one table per JVM: the median ns/op of A and of B
# over all their measurement iterations, B - A, the spread of the per-fork
# medians (interquartile range) and B/op (gc.alloc.rate.norm); plus the
# allocator's own cost over the bare bridge, PercpuBench - BridgeFloorBench.
# Every command is printed before it runs ("+ ..."). Results (the JMH JSON
# files and table.md) go to target/ab/<UTC date-time>/, or $AB_OUT.
#
# The benchmarks (pair = allocate() + free(address) of one 4 KiB slot, RSEQ
# mode; the bridge floor = the bare pop + push pair, no allocator) sit in
# different packages in different revisions, so each revision has its own
# JMH regex. The default fits the three layouts a revision may have:
# dev.percpu.examples.bench.PercpuBench and ...examples.bench.BridgeFloorBench
# (e.g. 2ae732a); dev.percpu.examples.bench.percpu.PercpuBench and
# dev.percpu.bridge.bench.BridgeFloorBench; allocator-benchmarks'
# dev.percpu.benchmarks.percpu.PercpuBench and
# dev.percpu.benchmarks.bridge.BridgeFloorBench. Rows are matched by class
# and method name.
#
# Environment (defaults in brackets):
#   REGEX_A, REGEX_B  JMH benchmark regex of A and of B [all three layouts, oneThread]
#   AB_PARAMS         JMH -p options [-p mode=RSEQ]
#   ROUNDS            A B rounds, i.e. forks per side and JVM [10]
#   WI, W, I, R       warmup iterations, warmup seconds, measurement
#                     iterations, measurement seconds per iteration [3 1 5 1]
#   AB_JVMS           which JVMs ["jdk17-jni jdk25-ffm"]
#   JDK17, JDK25      JDK homes [/usr/lib/jvm/java-17-openjdk-amd64,
#                     /usr/lib/jvm/temurin-25-jdk-amd64]
#   PERCPU_LOCK       the shared build/benchmark lock, taken for each build
#                     and each JMH run [/tmp/percpu-mvn.lock]; so do not run
#                     this script under that lock yourself
#   AB_OUT            results directory [target/ab/<UTC date-time>]; a relative
#                     path is taken from the repository root
#
# With the defaults a run takes about 13 minutes (2 JVMs x 2 sides x 10
# rounds x 2 benchmarks x (8 s + JVM start)), plus two builds. Ten forks per
# side are meant to resolve a B - A about as large as the spread between one
# side's forks; the IQR columns show that spread, so whether a run did.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REV_A REV_B" >&2
  exit 2
fi
cd "$(dirname "$0")/../.."
ROOT="$PWD"
LAYOUTS='^dev\.percpu\.((examples\.bench\.(percpu\.)?|benchmarks\.percpu\.)PercpuBench'
LAYOUTS+='|((examples|bridge)\.bench|benchmarks\.bridge)\.BridgeFloorBench)\.oneThread$'
REGEX_A="${REGEX_A:-$LAYOUTS}"
REGEX_B="${REGEX_B:-$LAYOUTS}"
read -r -a PARAMS <<< "${AB_PARAMS:--p mode=RSEQ}"
ROUNDS="${ROUNDS:-10}" WI="${WI:-3}" W="${W:-1}" I="${I:-5}" R="${R:-1}"
JVM_SET=" ${AB_JVMS:-jdk17-jni jdk25-ffm} "
JDK17="${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
LOCK="${PERCPU_LOCK:-/tmp/percpu-mvn.lock}"
OUT="${AB_OUT:-target/ab/$(date -u +%Y%m%dT%H%M%SZ)}"
BASE_ARGS="--enable-native-access=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED"

show() { # prints a command as it can be pasted into a shell
  printf '+'
  printf ' %q' "$@"
  printf '\n'
}

run() { # prints the command, then runs it
  show "$@"
  "$@"
}

COMMIT_A=$(git rev-parse --verify "$1^{commit}")
COMMIT_B=$(git rev-parse --verify "$2^{commit}")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
cleanup() {
  for side in a b; do
    if [ -d "$WORK/$side" ]; then
      git -C "$ROOT" worktree remove --force "$WORK/$side" || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

build() { # side commit: builds the benchmark jar of commit into $WORK/<side>.jar
  local side="$1" commit="$2" jar
  echo "== build $side: $(git log -1 --format='%h %s' "$commit")"
  run git worktree add --detach "$WORK/$side" "$commit"
  (cd "$WORK/$side" && run env JAVA_HOME="$JDK25" flock "$LOCK" mvn -B -ntp -q -DskipTests package)
  jar="$WORK/$side/allocator-benchmarks/target/percpu-benchmarks.jar"
  [ -f "$jar" ] || jar="$WORK/$side/allocator-examples/target/percpu-examples.jar"
  run cp "$jar" "$WORK/$side.jar"
}
build a "$COMMIT_A"
if [ "$COMMIT_B" = "$COMMIT_A" ]; then
  echo "== B is the same commit as A: its jar is reused"
  run cp "$WORK/a.jar" "$WORK/b.jar"
else
  build b "$COMMIT_B"
fi
{
  echo "A: $(git log -1 --format='%h %s' "$COMMIT_A")"
  echo "B: $(git log -1 --format='%h %s' "$COMMIT_B")"
  echo "regex A: $REGEX_A"
  echo "regex B: $REGEX_B"
  echo "rounds: $ROUNDS, -wi $WI -w ${W}s -i $I -r ${R}s ${PARAMS[*]}, 1 fork per run"
  echo "date: $(date -u), kernel $(uname -r), nproc $(nproc), loadavg before $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/ab.txt"

jmh() { # jvm side round java bridge: one JMH run (one fork per benchmark), log and JSON in $OUT
  local jvm="$1" side="$2" round="$3" java="$4" bridge="$5" regex
  regex=$([ "$side" = a ] && echo "$REGEX_A" || echo "$REGEX_B")
  local command=(flock "$LOCK" "$java" -cp "$WORK/$side.jar" org.openjdk.jmh.Main "$regex" "${PARAMS[@]}"
    -f 1 -wi "$WI" -w "${W}s" -i "$I" -r "${R}s" -foe true -prof gc
    -rf json -rff "$OUT/$jvm-$side-$round.json" -jvmArgs "$BASE_ARGS -Dpercpu.bridge=$bridge")
  echo "$(show "${command[@]}") > $OUT/$jvm-$side-$round.log"
  "${command[@]}" > "$OUT/$jvm-$side-$round.log" 2>&1
}

for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS"
  if [[ "$JVM_SET" == *" jdk17-jni "* ]]; then
    jmh jdk17-jni a "$round" "$JDK17/bin/java" jni
    jmh jdk17-jni b "$round" "$JDK17/bin/java" jni
  fi
  if [[ "$JVM_SET" == *" jdk25-ffm "* ]]; then
    jmh jdk25-ffm a "$round" "$JDK25/bin/java" ffm
    jmh jdk25-ffm b "$round" "$JDK25/bin/java" ffm
  fi
done
echo "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/ab.txt"
run python3 allocator-benchmarks/scripts/ab_pair_table.py "$OUT" | tee "$OUT/table.md"
