package dev.percpu.examples.stats;

import dev.percpu.runtime.Mode;
import dev.percpu.stats.PoolCounters;
import dev.percpu.stats.StatsReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar percpu-examples.jar stats [pid] [--dir DIR] [--interval-ms N] [--count N]}:
 * attaches to the statistics files that processes publish
 * ({@link dev.percpu.stats.StatsPublisher}; the demo and the server do with
 * {@code --publish-stats}) and prints, every interval, per process and pool:
 * mode, slots in use, free slots per CPU, depot, refills, flushes and
 * steals per second (the first report: averages since the publisher
 * started, as {@code vmstat}'s first line), rebalancer moves (capacity steps, and slots it moved)
 * and trimmed bytes, like {@code vmstat}. Without a pid it follows every
 * live process in the directory ({@code -Dpercpu.stats.dir}, else
 * {@code ${java.io.tmpdir}/percpu-stats-<uid>}); a process that dies or stops
 * beating is reported once and dropped; the command ends when none is left.
 * Files it cannot use (dead, incomplete, corrupt, unreadable) are reported
 * on standard error and skipped; with a pid, a file that is not complete yet
 * is retried for {@value #ATTACH_ATTEMPTS} x {@value #ATTACH_PAUSE_MILLIS} ms
 * before the command reports why and exits with status 1.
 */
public final class StatsCommand {
    static final String USAGE = String.join("\n",
        "usage: java -jar percpu-examples.jar stats [pid] [options]",
        "  pid                follow this process only (default: every live one)",
        "  --dir DIR          where processes publish (default -Dpercpu.stats.dir, else ${java.io.tmpdir}/percpu-stats-<uid>)",
        "  --interval-ms N    between reports (default 1000)",
        "  --count N          reports, then stop (default: until no process is left)");

    /** Tries to open a pid's file before giving up... */
    static final int ATTACH_ATTEMPTS = 20;
    /** ...this far apart. */
    static final long ATTACH_PAUSE_MILLIS = 100;

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
        List<StatsReader> readers = new ArrayList<>();
        String problem = attach(dir, pid, readers);
        if (readers.isEmpty()) {
            System.err.println(problem != null ? problem : "no live percpu process publishes in " + dir
                + " (start one with --publish-stats)");
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

    /**
     * Opens the readers to follow into {@code readers}: every live one in
     * {@code dir} (files skipped are reported on standard error), or the one
     * of {@code pid}, retried while it is incomplete or not there yet.
     * Returns why nothing was opened, or null.
     */
    static String attach(Path dir, long pid, List<StatsReader> readers) throws InterruptedException {
        if (pid <= 0) {
            readers.addAll(StatsReader.openLive(dir,
                (file, reason) -> System.err.println("skipped " + file + ": " + reason)));
            return null;
        }
        Path file = StatsReader.fileOf(dir, pid);
        String problem = null;
        for (int attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
            if (attempt > 0) {
                Thread.sleep(ATTACH_PAUSE_MILLIS);
            }
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                problem = "no statistics file of pid " + pid + " in " + dir + " (start it with --publish-stats)";
                continue;
            }
            StatsReader reader;
            try {
                reader = StatsReader.open(file);
            } catch (RuntimeException notYetOrNever) {
                problem = "cannot follow pid " + pid + ": " + notYetOrNever.getMessage();
                continue;
            }
            if (reader.isStale(System.currentTimeMillis())) {
                reader.close();
                problem = "pid " + pid + " does not publish any more (" + file + " is stale)";
                continue;
            }
            readers.add(reader);
            return null;
        }
        return problem;
    }

    /**
     * Appends one report of {@code reader}'s process to {@code out}; rates
     * are per second over {@code seconds} since the last report. Returns
     * false (after a last line saying so, and closing the reader) when the
     * publisher is gone or silent.
     */
    boolean report(StatsReader reader, double seconds, long nowMillis, StringBuilder out) {
        try {
            return reportOrThrow(reader, seconds, nowMillis, out);
        } catch (IllegalStateException cutShort) {
            out.append(String.format("pid %d: %s, dropped%n", reader.pid(), cutShort.getMessage()));
            reader.close();
            return false;
        }
    }

    private boolean reportOrThrow(StatsReader reader, double seconds, long nowMillis, StringBuilder out) {
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
