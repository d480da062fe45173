#!/usr/bin/env python3
"""Markdown tables (medians with min-max spread over rounds) and PNG plots from server-load.sh's results.csv.

usage: server_report.py results.csv out-dir
"""
import csv
import statistics
import sys
from collections import defaultdict


def med(rows, key, scale=1.0, digits=0):
    values = [float(r[key]) / scale for r in rows if r[key] not in ("", None)]
    if not values:
        return "-"
    m = statistics.median(values)
    fmt = "{:,.%df}" % digits
    if len(values) > 1 and min(values) != max(values):
        return (fmt + " (" + fmt + "-" + fmt + ")").format(m, min(values), max(values))
    return fmt.format(m)


def main():
    path, out = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(path)))
    groups = defaultdict(list)
    order = []
    for r in rows:
        key = (r["table"], r["allocator"], r["mode"], r["workers"], r["load"], r["connections"])
        if key not in groups:
            order.append(key)
        groups[key].append(r)
    mib = 1048576.0
    print("### Table 1: event-loop handler, medians over rounds (min-max)\n")
    print("| allocator | load | conns | req/s | p50 us | p99 us | p99.9 us | in use MiB | held MiB | RSS MiB "
          "| GCs | GC pause ms | heap alloc MiB/s | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in sorted((k for k in order if k[0] == "1"), key=lambda k: (k[4], int(k[5]), k[1])):
        g = groups[key]
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            key[1], key[4], key[5], med(g, "rps"), med(g, "p50_us"), med(g, "p99_us"), med(g, "p999_us"),
            med(g, "in_use_bytes", mib, 1), med(g, "held_bytes", mib, 1), med(g, "rss_bytes", mib),
            med(g, "gc_count"), med(g, "gc_pause_ms"), med(g, "alloc_mb_per_s", 1, 1), med(g, "errors")))
    print("\n### Table 2: blocking workers and virtual threads, GET /fixed/16k, 256 connections (one round)\n")
    print("| allocator | handler | workers | req/s | p99 us | held MiB | RSS MiB | live threads | GCs | heap alloc MiB/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in [k for k in order if k[0] == "2"]:
        g = groups[key]
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            key[1], key[2], key[3], med(g, "rps"), med(g, "p99_us"), med(g, "held_bytes", mib, 1),
            med(g, "rss_bytes", mib), med(g, "threads"), med(g, "gc_count"), med(g, "alloc_mb_per_s", 1, 1)))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(matplotlib not importable: no plots; apt-get install -y python3-matplotlib)")
        return
    allocators = []
    for k in order:
        if k[1] not in allocators:
            allocators.append(k[1])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    conns = ["16", "64", "256"]
    width = 0.8 / max(1, len(allocators))
    for i, a in enumerate(allocators):
        ys, errs_lo, errs_hi = [], [], []
        for c in conns:
            vals = [float(r["rps"]) for r in groups.get(("1", a, "event-loop", "1", "wrk-fixed16k", c), [])]
            m = statistics.median(vals) if vals else 0
            ys.append(m)
            errs_lo.append(m - min(vals) if vals else 0)
            errs_hi.append(max(vals) - m if vals else 0)
        left.bar([x + i * width for x in range(len(conns))], ys, width, yerr=[errs_lo, errs_hi], label=a, capsize=3)
    left.set_xticks([x + width * (len(allocators) - 1) / 2 for x in range(len(conns))])
    left.set_xticklabels([c + " conns" for c in conns])
    left.set_ylabel("requests/s (median, min-max)")
    left.set_title("GET /fixed/16k, event loop (wrk)")
    left.legend(fontsize=8)
    labels = ["16", "64", "256", "virtual"]
    for a in allocators:
        ys = []
        for w in labels:
            mode = "virtual" if w == "virtual" else "blocking"
            g = groups.get(("2", a, mode, w, "wrk-fixed16k", "256"), [])
            ys.append(float(g[0]["held_bytes"]) / mib if g else float("nan"))
        right.plot(labels, ys, marker="o", label=a)
    right.set_xlabel("blocking worker threads / virtual threads")
    right.set_ylabel("allocator's held memory, MiB")
    right.set_title("memory as handler threads grow")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out + "/server-load.png", dpi=110)
    print("\nplot: " + out + "/server-load.png")


if __name__ == "__main__":
    main()
