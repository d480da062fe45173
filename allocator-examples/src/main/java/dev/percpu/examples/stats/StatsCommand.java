package dev.percpu.examples.stats;

import dev.percpu.PoolCounters;
import dev.percpu.StatsReader;
import dev.percpu.runtime.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar percpu-examples.jar stats [pid] [--dir DIR] [--interval-ms N] [--count N]}:
 * attaches to the statistics files that processes publish
 * ({@link dev.percpu.StatsPublisher}; the demo and the server do with
 * {@code --publish-stats}) and prints, every interval, per process and pool:
 * mode, slots in use, free slots per CPU, depot, refills, flushes and
 * steals per second (the first report: averages since the publisher
 * started, as {@code vmstat}'s first line), rebalancer moves (capacity steps, and slots it moved)
 * and trimmed bytes, like {@code vmstat}. Without a pid it follows every
 * live process in the directory ({@code -Dpercpu.stats.dir}, else
 * {@code ${java.io.tmpdir}/percpu-stats}); a process that dies or stops
 * beating is reported once and dropped; the command ends when none is left.
 */
public final class StatsCommand {
    static final String USAGE = String.join("\n",
        "usage: java -jar percpu-examples.jar stats [pid] [options]",
        "  pid                follow this process only (default: every live one)",
        "  --dir DIR          where processes publish (default -Dpercpu.stats.dir, else ${java.io.tmpdir}/percpu-stats)",
        "  --interval-ms N    between reports (default 1000)",
        "  --count N          reports, then stop (default: until no process is left)");

    private final Map<String, Map<String, Long>> previous = new HashMap<>();

    StatsCommand() {
    }

    public static void main(String[] args) throws InterruptedException {
        long pid = -1;
        Path dir = StatsReader.defaultDirectory();
        long intervalMillis = 1000;
        long count = Long.MAX_VALUE;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--help":
                    case "-h":
                        System.out.println(USAGE);
                        return;
                    case "--dir": dir = Paths.get(value(args, ++i)); break;
                    case "--interval-ms": intervalMillis = Long.parseLong(value(args, ++i)); break;
                    case "--count": count = Long.parseLong(value(args, ++i)); break;
                    default: pid = Long.parseLong(args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        List<StatsReader> readers = attach(dir, pid);
        if (readers.isEmpty()) {
            System.err.println("no live percpu process publishes in " + dir
                + (pid > 0 ? " with pid " + pid : "") + " (start one with --publish-stats)");
            System.exit(1);
        }
        StatsCommand command = new StatsCommand();
        long last = System.nanoTime();
        for (long n = 0; n < count && !readers.isEmpty(); n++) {
            if (n > 0) {
                Thread.sleep(intervalMillis);
            }
            long now = System.nanoTime();
            double seconds = Math.max(1e-3, (now - last) / 1e9);
            last = now;
            StringBuilder out = new StringBuilder();
            readers.removeIf(reader -> !command.report(reader, seconds, System.currentTimeMillis(), out));
            System.out.print(out);
            System.out.flush();
        }
        readers.forEach(StatsReader::close);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("missing value after " + args[i - 1]);
        }
        return args[i];
    }

    private static List<StatsReader> attach(Path dir, long pid) {
        if (pid <= 0) {
            return StatsReader.openLive(dir);
        }
        Path file = StatsReader.fileOf(dir, pid);
        List<StatsReader> one = new ArrayList<>();
        if (Files.exists(file)) {
            StatsReader reader = StatsReader.open(file);
            if (reader.isStale(System.currentTimeMillis())) {
                reader.close();
            } else {
                one.add(reader);
            }
        }
        return one;
    }

    /**
     * Appends one report of {@code reader}'s process to {@code out}; rates
     * are per second over {@code seconds} since the last report. Returns
     * false (after a last line saying so, and closing the reader) when the
     * publisher is gone or silent.
     */
    boolean report(StatsReader reader, double seconds, long nowMillis, StringBuilder out) {
        if (reader.isStale(nowMillis)) {
            out.append(String.format("pid %d: %s%n", reader.pid(),
                reader.isPublisherAlive() ? "no heartbeat for " + (nowMillis - reader.heartbeatMillis()) + " ms, dropped"
                    : "process gone"));
            reader.close();
            return false;
        }
        out.append(String.format("pid %d  heartbeat %d ms ago%n", reader.pid(), nowMillis - reader.heartbeatMillis()));
        out.append(String.format("  %-14s %-8s %9s %9s %9s %9s %9s %7s %9s %12s  %s%n", "pool", "mode", "inUse",
            "depot", "refill/s", "flush/s", "steal/s", "moves", "moved", "trimmed", "free per CPU"));
        double sinceStart = Math.max(1e-3, (nowMillis - reader.startMillis()) / 1e3);
        for (Map.Entry<String, Map<String, Long>> pool : reader.pools().entrySet()) {
            Map<String, Long> figures = pool.getValue();
            Map<String, Long> before = previous.put(reader.pid() + "/" + pool.getKey(), figures);
            out.append(String.format("  %-14s %-8s %9d %9d %9.0f %9.0f %9.0f %7d %9d %12d  %s%n", pool.getKey(),
                mode(figures.get("mode")), get(figures, "inUse"), get(figures, "depotFree"),
                rate(figures, before, "refills", before == null ? sinceStart : seconds),
                rate(figures, before, "flushes", before == null ? sinceStart : seconds),
                rate(figures, before, "steals", before == null ? sinceStart : seconds), get(figures, "capacityMoves"),
                get(figures, "rebalanceDrainedSlots") + get(figures, "rebalanceRefilledSlots"),
                get(figures, "trimmedBytes"), freePerCpu(figures)));
        }
        return true;
    }

    private static String mode(Long ordinal) {
        Mode[] modes = Mode.values();
        return ordinal != null && ordinal >= 0 && ordinal < modes.length ? modes[(int) (long) ordinal].name() : "?";
    }

    private static long get(Map<String, Long> figures, String name) {
        return figures.getOrDefault(name, 0L);
    }

    /** Per second over {@code seconds}: since the last report, or (first report, as vmstat) since the publisher started. */
    private static double rate(Map<String, Long> now, Map<String, Long> before, String name, double seconds) {
        return (get(now, name) - (before == null ? 0 : get(before, name))) / seconds;
    }

    private static String freePerCpu(Map<String, Long> figures) {
        StringBuilder free = new StringBuilder("[");
        for (int cpu = 0; figures.containsKey(PoolCounters.FREE_ON_CPU + cpu); cpu++) {
            free.append(cpu == 0 ? "" : " ").append(figures.get(PoolCounters.FREE_ON_CPU + cpu));
        }
        return free.append(']').toString();
    }
}
