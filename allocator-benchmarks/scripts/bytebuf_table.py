#!/usr/bin/env python3
"""Renders the Markdown tables of allocator-benchmarks/scripts/bytebuf-bench.sh from its JMH JSON files.

Usage: allocator-benchmarks/scripts/bytebuf_table.py DIR   (every *.json in DIR)

Each result is placed by what its fork really ran with, read from the JSON's
"jvmArgs" (the options JMH gave the forked JVM), never from file names:
  - thread type: event-loop threads (FastThreadLocalThreads with a current
    Netty executor) when -Djmh.executor.class names FastThreadLocalExecutor,
    else JMH's plain threads;
  - leak level: -Dio.netty.leakDetection.level (Netty's default, simple, when
    absent);
  - bridge: -Dpercpu.bridge, with the JDK's version from "jdkVersion".
A result whose fork had -Djmh.executor=CUSTOM naming another executor, or no
leak level the table knows, is refused rather than guessed.

One section per JDK and bridge; in it one table per shape (benchmark method
and thread count), rows by size and allocator, one column per thread type x
leak level. A cell is the median of all measurement iterations (ns/op) and, in
brackets, gc.alloc.rate.norm (B/op, from -prof gc) when present.

The breakdown (ByteBufCostBench) gets rows by piece; its ladder rows
(sizeClassPair, plusClassOf, plusTable, plusInit, plusRefCount) show in
brackets what each adds to the rung before, and two derived rows follow:
byteBufPair minus plusRefCount (what the ladder leaves out) and byteBufPair at
leak level simple minus the same with leak detection off (the leak
detector), per thread type.
"""
import glob
import json
import os
import statistics
import sys

# The event-loop executor's class in result files of either layout: allocator-benchmarks' and allocator-examples'.
FTL_EXECUTORS = {"dev.percpu.benchmarks.support.FastThreadLocalExecutor",
                 "dev.percpu.examples.bench.support.FastThreadLocalExecutor"}
THREADS = [("plain", "plain threads"), ("fastthreadlocal", "event-loop threads")]
LEAKS = [("disabled", "leak off"), ("simple", "leak simple")]
COLUMNS = [(t, l) for t, _ in THREADS for l, _ in LEAKS]
ALLOCATORS = {
    "percpuDefault": "percpu DEFAULT",
    "percpu32g": "percpu, 32 GiB cap",
    "percpu": "percpu, 4 GiB cap, RSEQ",
    "adaptive": "Adaptive",
    "pooled": "Pooled",
    "pooledAllThreads": "Pooled, caches for all threads",
}
SHAPES = {
    "DefaultRingBench.replace": "Ring of 8192 live buffers, random replacement (ns per release + allocate)",
    "ByteBufBench.allocateRelease": "Allocate and release at once (ns per directBuffer + release)",
    "ByteBufBench.oneThread": "Allocate + writeLong + release (ns per buffer, per thread)",
    "ByteBufBench.twoThreads": "Allocate + writeLong + release (ns per buffer, per thread)",
    "ByteBufBench.allocateAndGrow": "Allocate 256 B and grow by writing size bytes in 1 KiB pieces (ns per buffer)",
    "ByteBufHandoverBench.handover": "Allocate on one thread, release on another (ns per buffer handed over)",
    "ByteBufRingBench.oneThread": "Ring of 8192 per thread, release + allocate + writeLong (ns per replacement)",
}
SHAPE_ORDER = ["DefaultRingBench.replace", "ByteBufBench.allocateRelease", "ByteBufBench.oneThread",
               "ByteBufBench.twoThreads", "ByteBufBench.allocateAndGrow", "ByteBufHandoverBench.handover",
               "ByteBufRingBench.oneThread"]
BREAKDOWN = "ByteBufCostBench"
LADDER = ["sizeClassPair", "plusClassOf", "plusTable", "plusInit", "plusRefCount"]
PIECES = {
    "sizeClassPair": "size-class pair: tryAllocate(size) + free",
    "plusClassOf": "+ the adapter's classOf(size)",
    "plusTable": "+ wrapper table take/put (model)",
    "plusInit": "+ init's clear and marks",
    "plusRefCount": "+ reference count: initial store, atomic getAndAdd",
    "atomicDecrement": "one atomic getAndAdd alone",
    "byteBufPair": "whole ByteBuf pair: directBuffer(size) + release()",
}
PIECE_ORDER = LADDER + ["byteBufPair", "atomicDecrement"]


def option(args, name):
    """The value of -Dname=value in a fork's options, or None."""
    prefix = "-D" + name + "="
    values = [a[len(prefix):] for a in args if a.startswith(prefix)]
    return values[-1] if values else None


def placement(result):
    """(jvm label, thread type, leak level) of a result, from its fork's options."""
    args = result.get("jvmArgs", [])
    executor = option(args, "jmh.executor")
    executor_class = option(args, "jmh.executor.class")
    if executor is None and executor_class is None:
        threads = "plain"
    elif executor == "CUSTOM" and executor_class in FTL_EXECUTORS:
        threads = "fastthreadlocal"
    else:
        raise SystemExit(f"{result['benchmark']}: executor {executor} {executor_class}: not a thread type this table knows")
    leak = (option(args, "io.netty.leakDetection.level") or "simple").lower()
    if leak not in dict(LEAKS):
        raise SystemExit(f"{result['benchmark']}: leak level {leak}: not one this table knows")
    bridge = option(args, "percpu.bridge") or "default"
    jvm = f"JDK {result.get('jdkVersion', '?')}, {bridge.upper()} bridge"
    return jvm, threads, leak


def median(result):
    return statistics.median(x for fork in result["primaryMetric"]["rawData"] for x in fork)


def bytes_per_op(result):
    return result.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")


def number(x):
    return f"{x:.1f}" if abs(x) < 1000 else f"{x:,.0f}"


def cell(value, norm=None):
    if value is None:
        return ""
    text = number(value)
    if norm is not None:
        text += f" ({0 if norm < 0.01 else round(norm)} B)"
    return text


def size_key(size):
    return (0, int(size)) if size.isdigit() else (1, size)


def header():
    names = [f"{dict(THREADS)[t]}, {dict(LEAKS)[l]}" for t, l in COLUMNS]
    return "| " + " | ".join(names) + " |", "|" + "---:|" * len(COLUMNS)


def shape_tables(rows):
    """rows: {(shape, threads count): {(size, allocator): {(thread type, leak): result}}}"""
    head, rule = header()
    keys = sorted(rows, key=lambda k: (SHAPE_ORDER.index(k[0]) if k[0] in SHAPE_ORDER else len(SHAPE_ORDER), k))
    for shape, count in keys:
        title = SHAPES.get(shape, shape)
        print(f"\n#### {title}, {count} thread{'s' if count > 1 else ''} (`{shape}`)\n")
        print("| size | allocator " + head)
        print("|---|---" + rule)
        table = rows[(shape, count)]
        order = list(ALLOCATORS)
        for size, allocator in sorted(table, key=lambda k: (size_key(k[0]), order.index(k[1]) if k[1] in order else 99)):
            cells = table[(size, allocator)]
            values = [cell(median(cells[c]), bytes_per_op(cells[c])) if c in cells else "" for c in COLUMNS]
            print(f"| {size} | {ALLOCATORS.get(allocator, allocator)} | " + " | ".join(values) + " |")


def breakdown_table(size, pieces):
    """pieces: {method: {(thread type, leak): result}}"""
    head, rule = header()
    print(f"\n#### Where a percpu allocate + release goes, size {size}, one thread (`{BREAKDOWN}`)\n")
    print("Ladder rows show in brackets what the row adds to the one before it.\n")
    print("| piece " + head)
    print("|---" + rule)
    med = {m: {c: median(r) for c, r in cols.items()} for m, cols in pieces.items()}
    for method in sorted(pieces, key=lambda m: PIECE_ORDER.index(m) if m in PIECE_ORDER else 99):
        values = []
        for c in COLUMNS:
            if c not in med[method]:
                values.append("")
                continue
            text = number(med[method][c])
            if method in LADDER and LADDER.index(method) > 0:
                before = med.get(LADDER[LADDER.index(method) - 1], {}).get(c)
                if before is not None:
                    text += f" ({med[method][c] - before:+.1f})"
            values.append(text)
        print(f"| {PIECES.get(method, method)} | " + " | ".join(values) + " |")
    pair = med.get("byteBufPair", {})
    top = med.get(LADDER[-1], {})
    left = [number(pair[c] - top[c]) if c in pair and c in top else "" for c in COLUMNS]
    if any(left):
        print("| = what the ladder leaves out: whole pair minus the top rung | " + " | ".join(left) + " |")
    leak = []
    for threads, leak_level in COLUMNS:
        off, on = pair.get((threads, "disabled")), pair.get((threads, "simple"))
        leak.append(number(on - off) if leak_level == "simple" and off is not None and on is not None else "")
    if any(leak):
        print("| = leak detector: whole pair at simple minus at leak off | " + " | ".join(leak) + " |")


def main(directory):
    files = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not files:
        raise SystemExit(f"no JMH JSON files in {directory}")
    sections = {}
    for path in files:
        if os.path.getsize(path) == 0:
            continue
        for result in json.load(open(path)):
            jvm, threads, leak = placement(result)
            cls, method = result["benchmark"].split(".")[-2:]
            params = result.get("params", {})
            section = sections.setdefault(jvm, ({}, {}))
            if cls == BREAKDOWN:
                size = params.get("size", "?")
                section[1].setdefault(size, {}).setdefault(method, {})[(threads, leak)] = result
            else:
                key = (f"{cls}.{method}", result["threads"])
                row = (params.get("size", "?"), params.get("allocator", "?"))
                section[0].setdefault(key, {}).setdefault(row, {})[(threads, leak)] = result
    for jvm in sorted(sections):
        print(f"\n### {jvm}")
        rows, breakdowns = sections[jvm]
        shape_tables(rows)
        for size in sorted(breakdowns, key=size_key):
            breakdown_table(size, breakdowns[size])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
