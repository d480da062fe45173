#!/usr/bin/env bash
# Load test of the example HTTP server (java -jar percpu-examples.jar server) on loopback, per allocator.
#
#   scripts/server-load.sh [short|full]         (build first: mvn -B -ntp verify; not run in CI)
#   JAR=path/to/percpu-examples.jar scripts/server-load.sh ...   (another build of the examples jar)
#
# Table 1 (event-loop handler): for each round, the allocators interleaved (A B C D A B C D ...); per
#   allocator and round one server JVM, warmed for WARM s, then wrk (closed loop) on GET /fixed/16k at
#   16/64/256 connections and on POST /echo (16 KiB) at 64, then the fixed-rate client (open loop,
#   HdrHistogram, latency from each request's due time) on GET /fixed/16k. After each step the server's
#   /stats gives the allocator's memory, RSS, GC count and pause time, and heap bytes allocated. The
#   fixed-rate client's whole line (with its own GC and JIT time) goes to $OUT/fixed-rate.txt.
# Table 2 (blocking and virtual-thread handlers): per allocator, GET /fixed/16k at 256 connections
#   with 16, 64, 256 blocking workers, then virtual threads; memory after each.
# CPUs (2 here): the server is pinned to CPU 0 (started under taskset, so all its threads are; checked in
#   $OUT/affinity.txt) with one event-loop thread, wrk and the fixed-rate client to CPU 1.
#   Results: $OUT/results.csv, $OUT/summary.md, $OUT/*.png (matplotlib).
#   Hold the build lock around it: flock /tmp/percpu-mvn.lock scripts/server-load.sh short
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${1:-short}
JAR=${JAR:-allocator-examples/target/percpu-examples.jar}
JAVA=${SERVER_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
OUT=${OUT:-target/server-load/$(date -u +%Y%m%dT%H%M%SZ)}
PORT=${PORT:-18080}
ALLOCATORS=${ALLOCATORS:-"percpu pooled pooled-all-threads adaptive"}
if [ "$PROFILE" = full ]; then
  ROUNDS=${ROUNDS:-5} SECONDS_PER_RUN=${SECONDS_PER_RUN:-20} WARM=${WARM:-10} RATE=${RATE:-5000}
else
  ROUNDS=${ROUNDS:-2} SECONDS_PER_RUN=${SECONDS_PER_RUN:-5} WARM=${WARM:-3} RATE=${RATE:-3000}
fi
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
[ -f "$JAR" ] || { echo "missing $JAR: build with mvn -B -ntp verify first" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  echo "wrk not found: installing the Debian package wrk (apt-get install -y wrk)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
mkdir -p "$OUT"
CSV=$OUT/results.csv
echo "table,allocator,mode,workers,round,load,connections,rps,p50_us,p99_us,p999_us,errors,in_use_bytes,held_bytes,rss_bytes,gc_count,gc_pause_ms,alloc_mb_per_s,threads" > "$CSV"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -r)"
  echo "java: $("$JAVA" -version 2>&1 | head -1)"
  echo "jar: $JAR"
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "profile: $PROFILE, rounds $ROUNDS, $SECONDS_PER_RUN s per run, warm-up $WARM s, fixed rate $RATE req/s"
  echo "cpus: server taskset -c $SERVER_CPU (1 event-loop thread), clients taskset -c $CLIENT_CPU"
} | tee "$OUT/env.txt"

SERVER_PID=
stats() { curl -s "http://127.0.0.1:$PORT/stats"; }
stat_of() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
start_server() { # allocator mode workers
  # Pinned at launch, so every JVM thread inherits the CPU: `taskset -p` on the PID after the start
  # would pin only the launcher's first thread, not the JVM's threads (the event loop, GC, JIT).
  taskset -c "$SERVER_CPU" "$JAVA" -Xms512m -Xmx512m --sun-misc-unsafe-memory-access=allow \
    -Xlog:gc:file="$OUT/gc-$1-$2-$3-$ROUND.log" -XX:+UseG1GC -jar "$JAR" server --allocator "$1" --mode "$2" \
    --workers "$3" --io-threads 1 --port "$PORT" > "$OUT/server-$1-$2-$3-$ROUND.out" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if stats >/dev/null 2>&1; then
      echo "server threads by allowed CPUs: $(cat /proc/"$SERVER_PID"/task/*/status | awk '/Cpus_allowed_list/ { print $2 }' | sort | uniq -c | xargs)" >> "$OUT/affinity.txt"
      return 0
    fi
    sleep 0.1
  done
  echo "server $1 $2 did not start" >&2; cat "$OUT/server-$1-$2-$3-$ROUND.out" >&2; return 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" || true; tail -1 "$OUT/server-$1-$2-$3-$ROUND.out"; }
record() { # table allocator mode workers load connections result-line before-stats after-stats seconds
  local line=$7 before=$8 after=$9 secs=${10}
  val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $line"; }
  local rps; rps=$(val rps); [ -n "$rps" ] || rps=$(val achieved)
  local alloc_rate gc pause
  alloc_rate=$(awk -v a="$(stat_of allocated-bytes "$before")" -v b="$(stat_of allocated-bytes "$after")" -v s="$secs" 'BEGIN { printf "%.1f", (b - a) / s / 1048576 }')
  gc=$(( $(stat_of gc-count "$after") - $(stat_of gc-count "$before") ))
  pause=$(( $(stat_of gc-pause-ms "$after") - $(stat_of gc-pause-ms "$before") ))
  echo "$1,$2,$3,$4,$ROUND,$5,$6,$rps,$(val p50_us),$(val p99_us),$(val p999_us),$(val errors),$(stat_of in-use-bytes "$after"),$(stat_of held-bytes "$after"),$(stat_of rss-bytes "$after"),$gc,$pause,$alloc_rate,$(stat_of threads "$after")" | tee -a "$CSV"
}
wrk_run() { # connections path [body-bytes]
  WRK_BODY_BYTES=${3:-} taskset -c "$CLIENT_CPU" wrk -t1 -c"$1" -d"${SECONDS_PER_RUN}s" -s scripts/wrk/percpu.lua \
    "http://127.0.0.1:$PORT$2" | grep '^wrk-result'
}
fixed_rate() {
  taskset -c "$CLIENT_CPU" "$JAVA" -jar "$JAR" load --url "http://127.0.0.1:$PORT/fixed/16k" --rate "$RATE" \
    --connections 16 --seconds "$SECONDS_PER_RUN" --warmup 1
}

for ROUND in $(seq "$ROUNDS"); do
  for A in $ALLOCATORS; do
    start_server "$A" event-loop 1
    WRK_BODY_BYTES= taskset -c "$CLIENT_CPU" wrk -t1 -c64 -d"${WARM}s" "http://127.0.0.1:$PORT/fixed/16k" >/dev/null
    for C in 16 64 256; do
      B=$(stats); R=$(wrk_run "$C" /fixed/16k); record 1 "$A" event-loop 1 wrk-fixed16k "$C" "$R" "$B" "$(stats)" "$SECONDS_PER_RUN"
    done
    B=$(stats); R=$(wrk_run 64 /echo 16384); record 1 "$A" event-loop 1 wrk-echo16k 64 "$R" "$B" "$(stats)" "$SECONDS_PER_RUN"
    B=$(stats); R=$(fixed_rate); record 1 "$A" event-loop 1 fixed-rate-fixed16k 16 "$R" "$B" "$(stats)" "$((SECONDS_PER_RUN + 1))"
    echo "$A round $ROUND: $R" >> "$OUT/fixed-rate.txt"
    stop_server "$A" event-loop 1
  done
done

ROUND=1
for A in $ALLOCATORS; do
  for W in 16 64 256 virtual; do
    if [ "$W" = virtual ]; then MODE=virtual WORKERS=1; else MODE=blocking WORKERS=$W; fi
    start_server "$A" "$MODE" "$WORKERS"
    WRK_BODY_BYTES= taskset -c "$CLIENT_CPU" wrk -t1 -c256 -d2s "http://127.0.0.1:$PORT/fixed/16k" >/dev/null
    B=$(stats); R=$(wrk_run 256 /fixed/16k); record 2 "$A" "$MODE" "$W" wrk-fixed16k 256 "$R" "$B" "$(stats)" "$SECONDS_PER_RUN"
    stop_server "$A" "$MODE" "$WORKERS"
  done
done

PY=python3
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import matplotlib' 2>/dev/null; then PY=$candidate; break; fi
done
"$PY" scripts/server_report.py "$CSV" "$OUT" | tee "$OUT/summary.md"
echo "results in $OUT"
