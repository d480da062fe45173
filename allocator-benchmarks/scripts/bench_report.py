#!/usr/bin/env python3
"""Renders an allocator-benchmarks/scripts/bench.sh results directory: summary.md and, with --plots, PNGs.

Usage: allocator-benchmarks/scripts/bench_report.py target/bench/<run> [--plots]

Reads <run>/floor.jsonl (allocator-benchmarks/src/main/c/floor_bench.c, one JSON object a line),
<run>/jmh-<jdk>-<bridge>.json (JMH -rf json with -prof gc) and <run>/machine.txt.
For every JMH row: "ns" is the median of all measurement iterations
(primaryMetric.rawData), "x C" is that median over the C floor "c rseq pop+push"
(for BatchBench, which is per slot, over "c rseq batch 32, per slot"), "B/op"
is gc.alloc.rate.norm. Row names come from allocator-benchmarks/scripts/bench_table.py's LABELS.

The allocation-matrix and ring families get tables of their own (and are left out of the tables
above and of the plots):
- Matrix*Bench (one class per allocator, methods batch<N><One|Two|Sixteen>Thread(s),
  @Param size): one table per thread count and JDK/bridge; rows are
  allocators, columns size x batch; a cell is the median ns per slot
  (allocate + free of one slot, per thread), "(N.Nx)" its ratio to the percpu
  row's cell, and ", N B" the heap bytes per slot (gc.alloc.rate.norm) when
  at least 0.5.
- RingBench (@Param allocator and size): one table per thread count; rows are
  allocators, columns JDK/bridge x size; cells as above, per free + allocate.
Writes <run>/summary.md (also printed) and, with --plots, <run>/ns-<N>thread.png
(log scale, one bar per allocator and JDK/bridge).
"""
import glob
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_table import LABELS, label  # noqa: E402

EXTRA_LABELS = [("BatchBench", {}, "percpu SlabAllocator batch of 32, RSEQ (per slot)")]
LABELS.extend(EXTRA_LABELS)
# The bridge row measures whichever bridge the column's JVM used, not only JNI.
LABELS[:] = [(c, p, "bridge pop + push, no allocator (bridge floor)" if c == "BridgeFloorBench" else t)
             for c, p, t in LABELS]
FLOOR = "c rseq pop+push"
BATCH_FLOOR = "c rseq batch 32, per slot"
CONFIG_ORDER = ["jdk17-jni", "jdk25-jni", "jdk25-ffm"]
CONFIG_TEXT = {"jdk17-jni": "JDK 17 JNI", "jdk25-jni": "JDK 25 JNI", "jdk25-ffm": "JDK 25 FFM"}
PERCPU = "percpu SlabAllocator, RSEQ"
ADAPTIVE = "Netty Adaptive, plain threads"
BATCH = EXTRA_LABELS[0][2]
MATRIX_LABELS = [
    ("MatrixPercpuBench", {}, PERCPU),
    ("MatrixNettyPooledBench", {"cache": "allThreads"}, "Netty Pooled, thread cache"),
    ("MatrixNettyPooledBench", {"cache": "none"}, "Netty Pooled, no thread cache"),
    ("MatrixNettyAdaptiveBench", {}, "Netty Adaptive"),
    ("MatrixAllocateDirectBench", {}, "ByteBuffer.allocateDirect + invokeCleaner"),
    ("MatrixUnsafeBench", {}, "Unsafe.allocateMemory + freeMemory"),
]
RING_LABELS = {
    "percpu": PERCPU,
    "nettyPooledCached": "Netty Pooled, thread cache",
    "nettyPooled": "Netty Pooled, no thread cache",
    "nettyAdaptive": "Netty Adaptive",
    "allocateDirect": "ByteBuffer.allocateDirect + invokeCleaner",
    "unsafe": "Unsafe.allocateMemory + freeMemory",
}
FAMILY_ORDER = [text for _, _, text in MATRIX_LABELS]


def number(x):
    return f"{x:.2f}" if x < 10 else (f"{x:.1f}" if x < 1000 else f"{x:,.0f}")


def size_text(size):
    size = int(size)
    return f"{size >> 10} KiB" if size >= 1024 and size % 1024 == 0 else f"{size} B"


def family_label(cls, params):
    """The row name of a Matrix*Bench or RingBench result."""
    if cls == "RingBench":
        return RING_LABELS.get(params.get("allocator"), f"RingBench ({params.get('allocator')})")
    for name, want, text in MATRIX_LABELS:
        if name == cls and all(params.get(k) == v for k, v in want.items()):
            return text
    extra = ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "size")
    return cls + (f" ({extra})" if extra else "")


def generic_label(r):
    """bench_table's label; a class missing from LABELS with several methods per thread count gets the method too."""
    text = label(r)
    if any(text == t for _, _, t in LABELS):
        return text
    method = re.sub(r"(One|Two|Sixteen)Threads?$", "", r["benchmark"].split(".")[-1])
    return text if method in ("", "one", "two", "sixteen", "handover") else f"{text} {method}"


def load(run):
    floor = {}
    path = os.path.join(run, "floor.jsonl")
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line.startswith("{"):
                o = json.loads(line)
                floor[o["name"]] = o["median_ns"]
    configs = {}
    families = {"matrix": {}, "ring": {}}
    for path in sorted(glob.glob(os.path.join(run, "jmh-*.json"))):
        name = os.path.basename(path)[4:-5]
        try:
            results = json.load(open(path))
        except (ValueError, OSError):
            continue
        table = {}
        for r in results:
            cls, method = r["benchmark"].split(".")[-2:]
            group = method == "handover"
            raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
            norm = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
            params = r.get("params", {})
            batch = re.match(r"batch(\d+)", method)
            if cls.startswith("Matrix") and batch and "size" in params:
                key = (r["threads"], family_label(cls, params), int(params["size"]), int(batch.group(1)))
                families["matrix"].setdefault(name, {})[key] = (statistics.median(raw), norm)
                continue
            if cls == "RingBench" and "size" in params:
                key = (r["threads"], family_label(cls, params), int(params["size"]))
                families["ring"].setdefault(name, {})[key] = (statistics.median(raw), norm)
                continue
            if group and norm is not None:
                norm *= r["threads"]
            key = ("handover" if group else r["threads"], generic_label(r))
            table[key] = (statistics.median(raw), norm)
        configs[name] = table
    return floor, configs, families


def ordered(names):
    order = [text for _, _, text in LABELS]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def config_names(configs):
    return [c for c in CONFIG_ORDER if c in configs] + sorted(c for c in configs if c not in CONFIG_ORDER)


def family_rows(names):
    return sorted(names, key=lambda n: (FAMILY_ORDER.index(n) if n in FAMILY_ORDER else len(FAMILY_ORDER), n))


def cell(value, base):
    """median ns, its ratio to the percpu cell, and heap bytes when there are any."""
    if value is None:
        return "-"
    median, norm = value
    text = number(median)
    if base:
        ratio = median / base[0]
        text += f" ({ratio:.1f}x)" if ratio < 100 else f" ({ratio:,.0f}x)"
    if norm is not None and norm >= 0.5:
        text += f", {norm:.0f} B"
    return text


def threads_text(threads):
    return f"{threads} thread{'s' if threads != 1 else ''}"


def render_matrix(matrix):
    if not matrix:
        return []
    out = ["", "## Allocation matrix (Matrix*Bench)", "",
           "ns per slot: one allocate + one free of a `size`-byte slot or buffer, per thread, median of the",
           "iterations; a batch of N allocates N and then frees all N (percpu: `allocate(long[], n)` /",
           "`free(long[], n)` for N >= 2, `allocate()` / `free(address)` for N = 1). (N.Nx): ratio to the",
           "percpu cell; \", N B\": heap bytes per slot (gc.alloc.rate.norm), shown from 0.5 B. Netty rows ran",
           "on FastThreadLocalThreads."]
    for threads in sorted({k[0] for c in matrix.values() for k in c}):
        columns = sorted({(k[2], k[3]) for c in matrix.values() for k in c if k[0] == threads})
        for config in config_names(matrix):
            table = matrix[config]
            rows = family_rows({k[1] for k in table if k[0] == threads})
            if not rows:
                continue
            out += ["", f"Matrix, {threads_text(threads)}, {CONFIG_TEXT.get(config, config)} (ns per slot)", "",
                    "| allocator | " + " | ".join(f"{size_text(size)} x{batch}" for size, batch in columns) + " |",
                    "|---|" + "---:|" * len(columns)]
            for row in rows:
                cells = [cell(table.get((threads, row, size, batch)), table.get((threads, PERCPU, size, batch)))
                         for size, batch in columns]
                out.append(f"| {row} | " + " | ".join(cells) + " |")
    return out


def render_ring(ring):
    if not ring:
        return []
    out = ["", "## Ring of 8192 live buffers per thread (RingBench)", "",
           "ns per operation: free the buffer at a random index of the thread's ring and allocate a new one",
           "there, per thread, median of the iterations. (N.Nx): ratio to the percpu cell; \", N B\": heap bytes",
           "per operation, shown from 0.5 B. All rows ran on FastThreadLocalThreads."]
    names = config_names(ring)
    for threads in sorted({k[0] for c in ring.values() for k in c}):
        columns = [(config, size) for config in names
                   for size in sorted({k[2] for k in ring[config] if k[0] == threads})]
        rows = family_rows({k[1] for c in ring.values() for k in c if k[0] == threads})
        out += ["", f"Ring, {threads_text(threads)} (ns per free + allocate)", "",
                "| allocator | " + " | ".join(f"{CONFIG_TEXT.get(c, c)} {size_text(s)}" for c, s in columns) + " |",
                "|---|" + "---:|" * len(columns)]
        for row in rows:
            cells = [cell(ring[c].get((threads, row, s)), ring[c].get((threads, PERCPU, s))) for c, s in columns]
            out.append(f"| {row} | " + " | ".join(cells) + " |")
    return out


def render(run, floor, configs, families=None):
    out = []
    machine = os.path.join(run, "machine.txt")
    if os.path.exists(machine):
        out += ["```", open(machine).read().rstrip(), "```", ""]
    out += ["C floor (allocator-benchmarks/src/main/c/floor_bench.c, one pinned thread, median ns)", "",
            "| C path | ns |", "|---|---:|"]
    out += [f"| {k} | {v:.2f} |" for k, v in floor.items()]
    names = [c for c in CONFIG_ORDER if c in configs] + sorted(c for c in configs if c not in CONFIG_ORDER)
    base = floor.get(FLOOR)
    keys = {k for c in names for k in configs[c]}
    for threads in sorted({k[0] for k in keys}, key=lambda t: (t == "handover", str(t))):
        rows = ordered({k[1] for k in keys if k[0] == threads})
        if threads == "handover":
            title = "Producer/consumer handover, 2 threads (ns per buffer handed over; B/op is per buffer)"
        else:
            title = f"{threads} thread{'s' if threads > 1 else ''} (ns per allocate + free pair, per thread; batch row per slot)"
        head = "| path | " + " | ".join(f"{CONFIG_TEXT.get(c, c)} ns | x C | B/op" for c in names) + " |"
        out += ["", title, "", head, "|---|" + "---:|---:|---:|" * len(names)]
        for row in rows:
            cells = []
            ref = floor.get(BATCH_FLOOR) if row == BATCH else base
            for c in names:
                v = configs[c].get((threads, row))
                if v is None:
                    cells += ["-", "-", "-"]
                    continue
                median, norm = v
                cells += [number(median), f"{median / ref:.1f}" if ref else "-",
                          "-" if norm is None else ("≈ 0" if norm < 0.01 else f"{norm:.0f}")]
            out.append(f"| {row} | " + " | ".join(cells) + " |")
    out += ["", "x C: median / C floor \"c rseq pop+push\" (batch row: / \"c rseq batch 32, per slot\").", ""]
    out += targets(floor, configs)
    if families:
        out += render_matrix(families["matrix"])
        out += render_ring(families["ring"])
    memory = os.path.join(run, "memory.md")
    if os.path.exists(memory):
        out += ["", "## Memory held after N threads (MemoryAfterThreads, JDK 17, JNI)", "",
                open(memory).read().rstrip()]
    return "\n".join(out) + "\n"


def get(configs, config, threads, row):
    v = configs.get(config, {}).get((threads, row))
    return None if v is None else v[0]


def targets(floor, configs):
    lines = ["Targets (goals, not tests)", "", "| goal | measured | met |", "|---|---|---|"]

    def add(goal, value, ok):
        lines.append(f"| {goal} | {value} | {'-' if ok is None else ('yes' if ok else '**no**')} |")

    base = floor.get(FLOOR)
    ffm = get(configs, "jdk25-ffm", 1, PERCPU)
    add("JDK 25 FFM allocate+free pair <= 2x C floor",
        f"{ffm:.1f} ns / {base:.2f} ns = {ffm / base:.1f}x" if ffm and base else "not run", ffm / base <= 2 if ffm and base else None)
    for config, goal in (("jdk25-ffm", 8.0), ("jdk17-jni", 2.5), ("jdk25-jni", None)):
        for t in (1, 2):
            p, n = get(configs, config, t, PERCPU), get(configs, config, t, ADAPTIVE)
            if goal is None and t == 2:
                continue
            text = f"{CONFIG_TEXT[config]} >= {goal}x faster than Netty Adaptive ({t} thr)" if goal else \
                f"{CONFIG_TEXT[config]} vs Netty Adaptive ({t} thr, no goal)"
            add(text, f"{n:.1f} / {p:.1f} = {n / p:.1f}x" if p and n else "not run",
                (n / p >= goal) if (p and n and goal) else None)
    b = get(configs, "jdk25-ffm", 1, BATCH)
    add("JDK 25 FFM batch of 32 <= 1 ns per slot", f"{b:.2f} ns" if b else "not run", b <= 1 if b else None)
    for config in CONFIG_ORDER:
        t1, t2 = get(configs, config, 1, PERCPU), get(configs, config, 2, PERCPU)
        add(f"{CONFIG_TEXT[config]}: 2 threads >= 1.9x one thread (throughput)",
            f"2 x {t1:.1f} / {t2:.1f} = {2 * t1 / t2:.2f}x" if t1 and t2 else "not run",
            2 * t1 / t2 >= 1.9 if t1 and t2 else None)
    return lines


def plots(run, floor, configs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [c for c in CONFIG_ORDER if c in configs]
    written = []
    for threads in (1, 2):
        rows = ordered({k[1] for c in names for k in configs[c] if k[0] == threads})
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(11, 0.45 * len(rows) + 2))
        height = 0.8 / max(1, len(names))
        for i, c in enumerate(names):
            ys = [j + i * height for j in range(len(rows))]
            xs = [get(configs, c, threads, r) or 0 for r in rows]
            bars = ax.barh(ys, xs, height=height, label=CONFIG_TEXT.get(c, c))
            for bar, x in zip(bars, xs):
                if x:
                    ax.text(x * 1.05, bar.get_y() + bar.get_height() / 2, number(x), va="center", fontsize=7)
        for name, style in ((FLOOR, "--"), (BATCH_FLOOR, ":")):
            if name in floor:
                ax.axvline(floor[name], color="black", linestyle=style, linewidth=1, label=f"C: {name} ({floor[name]:.2f} ns)")
        ax.set_xscale("log")
        ax.set_yticks([j + height * (len(names) - 1) / 2 for j in range(len(rows))])
        ax.set_yticklabels(rows, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("ns per allocate + free pair, per thread (median; log scale)")
        ax.set_title(f"percpu benchmark suite, {threads} thread{'s' if threads > 1 else ''}")
        ax.set_xlim(right=ax.get_xlim()[1] * 3)
        ax.legend(fontsize=8, loc="upper right")
        fig.tight_layout()
        path = os.path.join(run, f"ns-{threads}thread.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def thread_plot(run, matrix, size=4096, batch=1):
    """ns per allocate + free pair by allocator and thread count (Matrix*Bench batch 1), one panel per config."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [c for c in config_names(matrix)
             if any(k[2] == size and k[3] == batch for k in matrix[c])]
    if not names:
        return None
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4.5), squeeze=False)
    for ax, config in zip(axes[0], names):
        table = matrix[config]
        threads = sorted({k[0] for k in table if k[2] == size and k[3] == batch})
        rows = family_rows({k[1] for k in table if k[2] == size and k[3] == batch})
        height = 0.8 / max(1, len(threads))
        for i, t in enumerate(threads):
            ys = [j + i * height for j in range(len(rows))]
            xs = [(table.get((t, r, size, batch)) or (0, None))[0] for r in rows]
            bars = ax.barh(ys, xs, height=height, label=threads_text(t))
            for bar, x in zip(bars, xs):
                if x:
                    ax.text(x * 1.05, bar.get_y() + bar.get_height() / 2, number(x), va="center", fontsize=7)
        ax.set_xscale("log")
        ax.set_yticks([j + height * (len(threads) - 1) / 2 for j in range(len(rows))])
        ax.set_yticklabels(rows, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(right=ax.get_xlim()[1] * 3)
        ax.set_xlabel("ns per pair, per thread (median; log scale)")
        ax.set_title(f"{CONFIG_TEXT.get(config, config)}, {size_text(size)} x{batch}", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("allocate + free by thread count (2 CPUs: 16 threads oversubscribe)")
    fig.tight_layout()
    path = os.path.join(run, "ns-by-threads.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv):
    run = argv[1]
    floor, configs, families = load(run)
    text = render(run, floor, configs, families)
    open(os.path.join(run, "summary.md"), "w").write(text)
    print(text)
    if "--plots" in argv:
        for path in plots(run, floor, configs):
            print("plot:", path)
        path = thread_plot(run, families["matrix"])
        if path:
            print("plot:", path)


if __name__ == "__main__":
    main(sys.argv)
