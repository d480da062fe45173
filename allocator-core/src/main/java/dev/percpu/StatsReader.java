package dev.percpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Reads a statistics file written by a {@link StatsPublisher} of another
 * (or this) process: the header (pid, start, heartbeat) and, per pool, the
 * figures of {@link PoolCounters} by their labels. A reader maps the file
 * read-only and never writes it; values are read with acquire semantics and
 * may be up to one refresh period old.
 *
 * <p>Dead and idle publishers: an idle process's agent still writes the
 * heartbeat every period, so a file whose process is gone
 * ({@link #isPublisherAlive()}) or whose heartbeat is older than
 * {@link #maxHeartbeatAgeMillis()} ({@link #isStale(long)}; a pid reused by
 * another process fails this test) belongs to no live publisher.
 * {@link #openLive} skips such files and deletes those whose process is gone.
 *
 * <p>Agrona's {@code UnsafeBuffer} needs
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} here too.
 * Not thread-safe; one reader per thread.
 */
public final class StatsReader implements AutoCloseable {
    /** A heartbeat this many periods old marks a file stale... */
    private static final long STALE_PERIODS = 10;
    /** ...but never sooner than this (a publisher may pause for a GC or a stats() that waits for a lock). */
    private static final long MIN_STALE_MILLIS = 5_000;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersReader counters;
    private boolean closed;

    private StatsReader(Path file, MappedByteBuffer mapped) {
        this.file = file;
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, StatsFileLayout.HEADER_LENGTH);
        int version = header.getIntAcquire(StatsFileLayout.VERSION_OFFSET);
        if (version != StatsFileLayout.VERSION) {
            throw new IllegalStateException(file + " is not a percpu statistics file of version "
                + StatsFileLayout.VERSION + " (found " + version + "; 0: still being written)");
        }
        int metadataLength = header.getInt(StatsFileLayout.METADATA_LENGTH_OFFSET);
        int valuesLength = header.getInt(StatsFileLayout.VALUES_LENGTH_OFFSET);
        if (metadataLength < 0 || valuesLength < 0
            || StatsFileLayout.HEADER_LENGTH + (long) metadataLength + valuesLength > mapped.capacity()) {
            throw new IllegalStateException(file + " is shorter than its header says");
        }
        this.counters = new CountersReader(
            new UnsafeBuffer(mapped, StatsFileLayout.HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, StatsFileLayout.HEADER_LENGTH + metadataLength, valuesLength));
    }

    /**
     * Maps {@code file} read-only.
     *
     * @throws IllegalStateException when it is not a complete statistics file
     * @throws UncheckedIOException when it cannot be read
     */
    public static StatsReader open(Path file) {
        long length;
        try {
            length = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (length < StatsFileLayout.HEADER_LENGTH) {
            throw new IllegalStateException(file + " is not a percpu statistics file (" + length + " bytes)");
        }
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), FileChannel.MapMode.READ_ONLY,
            "percpu statistics", 0, length);
        try {
            return new StatsReader(file, mapped);
        } catch (RuntimeException e) {
            IoUtil.unmap(mapped);
            throw e;
        }
    }

    /** {@code -Dpercpu.stats.dir}, else {@code ${java.io.tmpdir}/percpu-stats}. */
    public static Path defaultDirectory() {
        return StatsFileLayout.defaultDirectory();
    }

    /** The file process {@code pid} publishes into in {@code directory}. */
    public static Path fileOf(Path directory, long pid) {
        return StatsFileLayout.fileOf(directory, pid);
    }

    /**
     * Opens every file in {@code directory} whose publisher is alive (by pid
     * and heartbeat), ordered by pid; deletes the files of processes that are
     * gone and skips files that are stale, incomplete or unreadable. Empty
     * when the directory does not exist.
     */
    public static List<StatsReader> openLive(Path directory) {
        List<StatsReader> live = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Path file : files(directory)) {
            StatsReader reader;
            try {
                reader = open(file);
            } catch (RuntimeException unreadable) {
                continue;
            }
            if (!reader.isPublisherAlive()) {
                reader.close();
                deleteQuietly(file);
            } else if (reader.isStale(now)) {
                reader.close();
            } else {
                live.add(reader);
            }
        }
        live.sort((a, b) -> Long.compare(a.pid(), b.pid()));
        return live;
    }

    /** Deletes the files in {@code directory} whose process is gone (by the pid in the name). */
    static void deleteFilesOfDeadProcesses(Path directory) {
        for (Path file : files(directory)) {
            long pid = pidOf(file);
            if (pid > 0 && !isAlive(pid)) {
                deleteQuietly(file);
            }
        }
    }

    private static List<Path> files(Path directory) {
        if (!Files.isDirectory(directory)) {
            return Collections.emptyList();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory,
            StatsFileLayout.PREFIX + "*" + StatsFileLayout.SUFFIX)) {
            stream.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + directory, e);
        }
        return files;
    }

    /** The pid in a file's name, or -1. */
    private static long pidOf(Path file) {
        String name = file.getFileName().toString();
        String digits = name.substring(StatsFileLayout.PREFIX.length(), name.length() - StatsFileLayout.SUFFIX.length());
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException notOurs) {
            return -1;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Left for the next reader or publisher.
        }
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The publishing process. */
    public long pid() {
        return header.getLong(StatsFileLayout.PID_OFFSET);
    }

    /** When the publisher started, epoch ms. */
    public long startMillis() {
        return header.getLong(StatsFileLayout.START_MILLIS_OFFSET);
    }

    /** The publisher's last refresh, epoch ms. */
    public long heartbeatMillis() {
        return header.getLongAcquire(StatsFileLayout.HEARTBEAT_MILLIS_OFFSET);
    }

    /** The publisher's refresh period, ms. */
    public long periodMillis() {
        return header.getLong(StatsFileLayout.PERIOD_MILLIS_OFFSET);
    }

    /** The heartbeat age beyond which the file is stale: 10 periods, at least 5 s. */
    public long maxHeartbeatAgeMillis() {
        return Math.max(MIN_STALE_MILLIS, STALE_PERIODS * periodMillis());
    }

    /** Whether the publisher's process is running. */
    public boolean isPublisherAlive() {
        return isAlive(pid());
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Whether, at {@code nowMillis} (epoch ms), the process is gone or its heartbeat older than allowed. */
    public boolean isStale(long nowMillis) {
        return !isPublisherAlive() || nowMillis - heartbeatMillis() > maxHeartbeatAgeMillis();
    }

    /**
     * Every published pool, in the order added, with its figures by name
     * ({@link PoolCounters#figureNames()}, then {@code "freeOnCpu <cpu>"}).
     */
    public Map<String, Map<String, Long>> pools() {
        Map<String, Map<String, Long>> pools = new LinkedHashMap<>();
        counters.forEach((id, typeId, key, label) -> {
            int colon = label.lastIndexOf(": ");
            if (typeId != PoolCounters.TYPE_ID || !label.startsWith("percpu ") || colon < 0) {
                return;
            }
            String pool = label.substring("percpu ".length(), colon);
            pools.computeIfAbsent(pool, p -> new LinkedHashMap<>())
                .put(label.substring(colon + 2), counters.getCounterValue(id));
        });
        return pools;
    }

    /** Unmaps the file; no method may be called after. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            IoUtil.unmap(mapped);
        }
    }
}
