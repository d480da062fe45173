#!/usr/bin/env python3
"""Renders the Markdown tables of docs/benchmarks.md from a JMH JSON result file.

Usage: allocator-benchmarks/scripts/bench_table.py /tmp/bench.json

One table per thread count. "median" is the median of all measurement
iterations (primaryMetric.rawData); "score" is JMH's score (the mean) with its
99.9% error; "ratio" is median / median of the percpu RSEQ row with the same
thread count; "B/op" is gc.alloc.rate.norm from -prof gc.

Results of JMH groups named "handover" (the *HandoverBench classes: one
producer and one consumer thread) go to a table of their own: the group's
AverageTime is the time per handed-over buffer, the ratio is to the percpu
RSEQ row without rebalancer, and "B/buffer" is gc.alloc.rate.norm times the
group's thread count (JMH divides by the operations of all threads, and each
thread does one operation per buffer).

The allocation-matrix and ring families (Matrix*Bench, RingBench: several methods per thread
count, @Param size) are left out; allocator-benchmarks/scripts/bench_report.py renders them.

Rows are matched by simple class name, method and @Param values; the package
is ignored, so result files of every package layout the benchmarks have had
render alike: dev.percpu.benchmarks.percpu.Xxx, ...baselines.Xxx and
dev.percpu.benchmarks.bridge.BridgeFloorBench (allocator-benchmarks), as well
as dev.percpu.examples.bench.Xxx, dev.percpu.examples.bench.percpu.Xxx,
...baselines.Xxx and dev.percpu.bridge.bench.BridgeFloorBench.
"""
import json
import statistics
import sys

LABELS = [
    ("PercpuBench", {"mode": "RSEQ"}, "percpu SlabAllocator, RSEQ"),
    ("BridgeFloorBench", {}, "bridge pop + push (JNI floor)"),
    ("PercpuBench", {"mode": "FALLBACK"}, "percpu SlabAllocator, FALLBACK"),
    ("SizeClassBench", {}, "percpu SizeClassAllocator allocate(4096), RSEQ"),
    ("BufferPoolBench", {}, "percpu BufferPool 4 KiB (acquire, putLong, release), RSEQ"),
    ("DebugModeBench", {"debug": "off"}, "percpu SlabAllocator, RSEQ, debug off"),
    ("DebugModeBench", {"debug": "on"}, "percpu SlabAllocator, RSEQ, debug on"),
    ("DebugModeBench", {"debug": "onWithStackTraces"}, "percpu SlabAllocator, RSEQ, debug on, every site recorded"),
    ("ObjectPoolBench", {}, "percpu ObjectPool (acquire, write, release), RSEQ"),
    ("NettyRecyclerBench", {}, "Netty Recycler (get, write, recycle), plain threads"),
    ("NettyRecyclerEventLoopBench", {}, "Netty Recycler (get, write, recycle), FastThreadLocalThreads"),
    ("NettyAdaptiveBench", {}, "Netty Adaptive, plain threads"),
    ("NettyPooledBench", {"cache": "allThreads"}, "Netty Pooled, useCacheForAllThreads=true, plain threads"),
    ("NettyPooledBench", {"cache": "default"}, "Netty Pooled DEFAULT, plain threads (no cache)"),
    ("NettyEventLoopThreadBench", {"allocatorKind": "adaptive"}, "Netty Adaptive, FastThreadLocalThreads"),
    ("NettyEventLoopThreadBench", {"allocatorKind": "pooled"}, "Netty Pooled DEFAULT, FastThreadLocalThreads"),
    ("UnsafeBench", {}, "Unsafe.allocateMemory + freeMemory"),
    ("AllocateDirectBench", {}, "ByteBuffer.allocateDirect (GC frees)"),
    ("PercpuHandoverBench", {"config": "rseq"}, "percpu SlabAllocator, RSEQ, no rebalancer"),
    ("PercpuHandoverBench", {"config": "rseq-rebalancer"}, "percpu SlabAllocator, RSEQ, default rebalancer"),
    ("PercpuHandoverBench", {"config": "fallback-rebalancer"}, "percpu SlabAllocator, FALLBACK, default rebalancer"),
    ("NettyPooledHandoverBench", {"cache": "allThreads"}, "Netty Pooled, useCacheForAllThreads=true"),
    ("NettyPooledHandoverBench", {"cache": "default"}, "Netty Pooled DEFAULT (no cache on plain threads)"),
    ("NettyAdaptiveHandoverBench", {}, "Netty Adaptive"),
    ("RingHandoverBench", {}, "SPSC ring only, no allocator (floor)"),
]
BASELINE = "percpu SlabAllocator, RSEQ"
HANDOVER_GROUP = "handover"
HANDOVER_BASELINE = "percpu SlabAllocator, RSEQ, no rebalancer"


def label(result):
    cls = result["benchmark"].split(".")[-2]
    params = result.get("params", {})
    for name, want, text in LABELS:
        if name == cls and all(params.get(k) == v for k, v in want.items()):
            return text
    extra = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    return cls + (f" ({extra})" if extra else "")


def family(result):
    """Matrix*Bench and RingBench results, which have tables of their own in bench_report.py."""
    cls = result["benchmark"].split(".")[-2]
    return cls.startswith("Matrix") or cls == "RingBench"


def number(x):
    if not isinstance(x, (int, float)):
        return str(x)  # JMH writes "NaN" as the error of a single iteration
    return f"{x:.1f}" if x < 1000 else f"{x:,.0f}"


def main(path):
    results = json.load(open(path))
    skipped = sum(1 for r in results if family(r))
    results = [r for r in results if not family(r)]
    if skipped:
        print(f"({skipped} Matrix*Bench/RingBench results left out: allocator-benchmarks/scripts/bench_report.py renders them)")
    handovers = [r for r in results if r["benchmark"].split(".")[-1] == HANDOVER_GROUP]
    results = [r for r in results if r["benchmark"].split(".")[-1] != HANDOVER_GROUP]
    rows = {}
    for r in results:
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        rows.setdefault(r["threads"], {})[label(r)] = (
            statistics.median(raw), r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"], norm)
    order = [text for _, _, text in LABELS]
    for threads in sorted(rows):
        table = rows[threads]
        base = table.get(BASELINE, (None,))[0]
        print(f"\n{threads} thread{'s' if threads > 1 else ''} (ns per allocate + free pair, per thread)\n")
        print("| path | median ns | JMH score ± error | ratio to percpu RSEQ | B/op |")
        print("|---|---:|---:|---:|---:|")
        for name in sorted(table, key=lambda n: order.index(n) if n in order else len(order)):
            median, score, error, norm = table[name]
            ratio = f"{median / base:.2f}" if base else "-"
            bop = "-" if norm is None else ("≈ 0" if norm < 0.01 else f"{norm:.0f}")
            print(f"| {name} | {number(median)} | {number(score)} ± {number(error)} | {ratio} | {bop} |")
    if handovers:
        handover_table(handovers, order)


def handover_table(results, order):
    table = {}
    for r in results:
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        table[label(r)] = (statistics.median(raw), r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"],
                           None if norm is None else norm * r["threads"])
    base = table.get(HANDOVER_BASELINE, (None,))[0]
    print("\nProducer/consumer handover, 2 threads (ns per 4 KiB buffer handed over)\n")
    print("| path | median ns | JMH score ± error | ratio to percpu RSEQ | B/buffer |")
    print("|---|---:|---:|---:|---:|")
    for name in sorted(table, key=lambda n: order.index(n) if n in order else len(order)):
        median, score, error, per_buffer = table[name]
        ratio = f"{median / base:.2f}" if base else "-"
        bop = "-" if per_buffer is None else ("≈ 0" if per_buffer < 0.01 else f"{per_buffer:.0f}")
        print(f"| {name} | {number(median)} | {number(score)} ± {number(error)} | {ratio} | {bop} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/bench.json")
