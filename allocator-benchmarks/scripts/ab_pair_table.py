#!/usr/bin/env python3
"""Renders the table of an allocator-benchmarks/scripts/ab-pair.sh run.

Usage: allocator-benchmarks/scripts/ab_pair_table.py <ab-pair results directory>

Reads <dir>/<jvm>-<side>-<round>.json (JMH -rf json with -prof gc; side a or
b, one fork per benchmark per file) and prints one Markdown table per JVM.
Rows are benchmarks, matched between A and B by class and method name (the
package may differ between revisions) and @Param values. "median" is the
median of all measurement iterations of all of that side's forks; "B - A" the
difference of the medians; "IQR of fork medians" the interquartile range of
the per-fork medians (how far forks of one side disagree); "B/op" the mean
gc.alloc.rate.norm over the forks. The last row of a table, when both are
present, is the allocator's own cost over the bare bridge pair:
PercpuBench.oneThread - BridgeFloorBench.oneThread, per side.
"""
import glob
import json
import os
import re
import statistics
import sys

PAIR = "PercpuBench.oneThread"
FLOOR = "BridgeFloorBench.oneThread"


def row_name(result):
    name = ".".join(result["benchmark"].split(".")[-2:])
    params = result.get("params", {})
    return name + "".join(f" {k}={v}" for k, v in sorted(params.items()))


def load(run):
    """{jvm: {row: {side: ([iteration ns], [fork medians], [B/op])}}}"""
    data = {}
    for path in sorted(glob.glob(os.path.join(run, "*.json"))):
        match = re.match(r"(.+)-([ab])-\d+\.json$", os.path.basename(path))
        if not match:
            continue
        jvm, side = match.groups()
        try:
            results = json.load(open(path))
        except ValueError:
            continue  # a run that died before JMH wrote its file
        for r in results:
            forks = r["primaryMetric"]["rawData"]
            norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
            iterations, medians, norms = data.setdefault(jvm, {}).setdefault(row_name(r), {}).setdefault(
                side, ([], [], []))
            iterations.extend(x for fork in forks for x in fork)
            medians.extend(statistics.median(fork) for fork in forks)
            if norm is not None:
                norms.append(norm)
    return data


def iqr(values):
    if len(values) < 2:
        return None
    quartiles = statistics.quantiles(values, n=4)
    return quartiles[2] - quartiles[0]


def text(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def bytes_per_op(norms):
    if not norms:
        return "-"
    mean = statistics.mean(norms)
    return "≈ 0" if mean < 0.01 else f"{mean:.1f}"


def main(run):
    data = load(run)
    if not data:
        sys.exit(f"no JMH results in {run}")
    for jvm in sorted(data):
        rows = data[jvm]
        forks = {side: max((len(v[side][1]) for v in rows.values() if side in v), default=0) for side in "ab"}
        print(f"\n### {jvm} ({forks['a']} forks of A, {forks['b']} of B)\n")
        print("| benchmark | A median ns | B median ns | B - A ns | IQR of fork medians A / B | B/op A / B |")
        print("|---|---:|---:|---:|---:|---:|")
        medians = {}
        for name in sorted(rows):
            a, b = rows[name].get("a"), rows[name].get("b")
            ma = statistics.median(a[0]) if a else None
            mb = statistics.median(b[0]) if b else None
            medians[name] = (ma, mb)
            diff = mb - ma if ma is not None and mb is not None else None
            spread = f"{text(iqr(a[1]) if a else None)} / {text(iqr(b[1]) if b else None)}"
            norms = f"{bytes_per_op(a[2]) if a else '-'} / {bytes_per_op(b[2]) if b else '-'}"
            print(f"| {name} | {text(ma)} | {text(mb)} | {text(diff)} | {spread} | {norms} |")
        pair = next((v for k, v in medians.items() if k.startswith(PAIR)), None)
        floor = next((v for k, v in medians.items() if k.startswith(FLOOR)), None)
        if pair and floor:
            own = [p - f if p is not None and f is not None else None for p, f in zip(pair, floor)]
            diff = own[1] - own[0] if None not in own else None
            print(f"| allocator over bridge ({PAIR} - {FLOOR}) | {text(own[0])} | {text(own[1])} | {text(diff)} | | |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
