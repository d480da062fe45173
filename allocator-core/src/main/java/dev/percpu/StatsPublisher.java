package dev.percpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.agrona.IoUtil;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * Publishes the statistics of a process's pools in a memory-mapped counters
 * file that other processes read ({@link StatsReader}, the examples jar's
 * {@code stats} command), as Aeron publishes its counters. Opt-in: nothing
 * is written unless the application starts a publisher.
 *
 * <pre>{@code
 * try (StatsPublisher stats = StatsPublisher.start()) {     // ${java.io.tmpdir}/percpu-stats/percpu-<pid>.stats
 *     stats.add("buffers", slabs::stats);
 *     ...
 * }                                                          // file removed
 * }</pre>
 *
 * <p>One file per process ({@code percpu-<pid>.stats}) in the directory
 * given, by default {@code -Dpercpu.stats.dir} or else
 * {@code ${java.io.tmpdir}/percpu-stats}; its layout is drawn in
 * {@code StatsFileLayout} (a header with pid, start time and heartbeat,
 * then an Agrona {@code CountersManager}). Each pool's figures are the
 * counters of {@link PoolCounters}. A small agent on its own daemon thread
 * ({@code percpu-stats}, run by Agrona's {@code AgentRunner}) refreshes
 * every figure and the heartbeat once per period; one thread serves every
 * pool of the process (a pool's rebalancer is not used: publishing is per
 * process and rebalancers are per pool). {@code stats()} takes each pool's
 * depot lock for a moment, as maintenance does.
 *
 * <p>{@link #close()} stops the agent and deletes the file; so does a JVM
 * shutdown (a shutdown hook). A process that dies without either leaves its
 * file behind: readers recognise it (its pid is gone, or its heartbeat is
 * old) and ignore it, and the next publisher or {@link StatsReader#openLive}
 * deletes files whose process is gone.
 *
 * <p>Threading: every method may be called from any thread; they and the
 * agent serialise on this object. A pool closed while published is dropped
 * from the file at the next refresh.
 *
 * <p>JVM flag: Agrona 2.x maps and views the file through its
 * {@code UnsafeBuffer}, which needs
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} (module path:
 * {@code =org.agrona}); without it {@link #start} throws
 * {@link IllegalStateException} naming the flag. The pools themselves never
 * need it.
 */
public final class StatsPublisher implements Agent, AutoCloseable {
    /** Refresh period of {@link #start()}. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMillis(250);
    /** Name of the {@link System.Logger} the publishing thread's errors go to (at ERROR). */
    public static final String LOGGER = "dev.percpu.stats";
    /** Counters a file holds: every pool takes {@code PoolCounters.figureNames().size()} plus one per CPU. */
    public static final int DEFAULT_MAX_COUNTERS = 2048;

    private static final String ADD_OPENS = "--add-opens java.base/jdk.internal.misc=ALL-UNNAMED";

    private final Path file;
    private final long periodMillis;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersManager manager;
    private final Map<String, PoolCounters> pools = new LinkedHashMap<>();
    private final Thread shutdownHook;
    private AgentRunner runner;
    private long nextRefreshMillis;
    private boolean closed;

    private StatsPublisher(Path file, long periodMillis, MappedByteBuffer mapped, int maxCounters) {
        this.file = file;
        this.periodMillis = periodMillis;
        this.mapped = mapped;
        int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        this.header = new UnsafeBuffer(mapped, 0, StatsFileLayout.HEADER_LENGTH);
        this.manager = new CountersManager(
            new UnsafeBuffer(mapped, StatsFileLayout.HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, StatsFileLayout.HEADER_LENGTH + metadataLength, valuesLength));
        long now = System.currentTimeMillis();
        header.putInt(StatsFileLayout.METADATA_LENGTH_OFFSET, metadataLength);
        header.putInt(StatsFileLayout.VALUES_LENGTH_OFFSET, valuesLength);
        header.putLong(StatsFileLayout.PID_OFFSET, ProcessHandle.current().pid());
        header.putLong(StatsFileLayout.START_MILLIS_OFFSET, now);
        header.putLong(StatsFileLayout.PERIOD_MILLIS_OFFSET, periodMillis);
        header.putLong(StatsFileLayout.HEARTBEAT_MILLIS_OFFSET, now);
        header.putIntRelease(StatsFileLayout.VERSION_OFFSET, StatsFileLayout.VERSION);
        this.nextRefreshMillis = now + periodMillis;
        this.shutdownHook = new Thread(() -> deleteQuietly(file), "percpu-stats-cleanup");
    }

    /**
     * Starts publishing into {@link #defaultDirectory()}, refreshed every
     * {@link #DEFAULT_PERIOD}.
     *
     * @throws IllegalStateException without Agrona's add-opens flag
     * @throws UncheckedIOException when the directory or file cannot be made
     */
    public static StatsPublisher start() {
        return start(defaultDirectory(), DEFAULT_PERIOD, DEFAULT_MAX_COUNTERS);
    }

    /**
     * Starts publishing into {@code directory} (made if missing), refreshed
     * every {@code period} (at least 1 ms), room for {@code maxCounters}
     * counters. Deletes the files of processes that are gone first.
     *
     * @throws IllegalArgumentException for a period below 1 ms or maxCounters below 1
     * @throws IllegalStateException without Agrona's add-opens flag
     * @throws UncheckedIOException when the directory or file cannot be made
     */
    public static StatsPublisher start(Path directory, Duration period, int maxCounters) {
        Objects.requireNonNull(directory, "directory");
        long periodMillis = Objects.requireNonNull(period, "period").toMillis();
        if (periodMillis < 1) {
            throw new IllegalArgumentException("period: " + period + " (expected: at least 1 ms)");
        }
        if (maxCounters < 1) {
            throw new IllegalArgumentException("maxCounters: " + maxCounters + " (expected: at least 1)");
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the statistics directory " + directory, e);
        }
        StatsReader.deleteFilesOfDeadProcesses(directory);
        Path file = StatsFileLayout.fileOf(directory, ProcessHandle.current().pid());
        StatsPublisher publisher;
        try {
            MappedByteBuffer mapped = IoUtil.mapNewFile(file.toFile(), StatsFileLayout.fileLength(maxCounters));
            publisher = new StatsPublisher(file, periodMillis, mapped, maxCounters);
        } catch (LinkageError agronaNeedsTheFlag) {
            deleteQuietly(file);
            throw new IllegalStateException("publishing percpu statistics needs the JVM flag " + ADD_OPENS
                + " (module path: =org.agrona) for Agrona's buffers", agronaNeedsTheFlag);
        }
        Runtime.getRuntime().addShutdownHook(publisher.shutdownHook);
        // Idle sleeps of at most 50 ms: close() waits for the agent's current sleep (AgentRunner
        // interrupts it only after 5 s), and a refresh is at most that late.
        publisher.runner = new AgentRunner(new SleepingMillisIdleStrategy(Math.max(1, Math.min(periodMillis / 4, 50))),
            error -> System.getLogger(LOGGER).log(System.Logger.Level.ERROR, "percpu stats: publishing failed", error),
            null, publisher);
        AgentRunner.startOnThread(publisher.runner, task -> {
            Thread thread = new Thread(task, publisher.roleName());
            thread.setDaemon(true);
            return thread;
        });
        return publisher;
    }

    /** {@code -Dpercpu.stats.dir}, else {@code ${java.io.tmpdir}/percpu-stats}. */
    public static Path defaultDirectory() {
        return StatsFileLayout.defaultDirectory();
    }

    /** This process's file. */
    public Path file() {
        return file;
    }

    /**
     * Publishes a pool under {@code name} (unique in this publisher) and
     * writes its figures at once.
     *
     * @param stats the pool's {@code stats} method, e.g. {@code allocator::stats}
     * @throws IllegalArgumentException when the name is taken or blank
     * @throws IllegalStateException when the file has no room for the pool's counters, or after close
     */
    public synchronized void add(String name, Supplier<SlabStats> stats) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(stats, "stats");
        ensureOpen();
        if (name.isBlank() || pools.containsKey(name)) {
            throw new IllegalArgumentException("pool name " + (name.isBlank() ? "is blank" : name + " is taken"));
        }
        PoolCounters counters = PoolCounters.register(manager, name, stats);
        pools.put(name, counters);
        counters.update();
    }

    /** Stops publishing the pool {@code name}; its counters leave the file. Does nothing for an unknown name. */
    public synchronized void remove(String name) {
        PoolCounters counters = pools.remove(name);
        if (counters != null) {
            counters.close();
        }
    }

    /**
     * Writes every pool's figures and the heartbeat now (the agent does this
     * every period). A pool that was closed is dropped.
     *
     * @throws IllegalStateException after close
     */
    public synchronized void refresh() {
        ensureOpen();
        pools.values().removeIf(counters -> {
            try {
                counters.update();
                return false;
            } catch (IllegalStateException poolClosed) {
                counters.close();
                return true;
            }
        });
        header.putLongRelease(StatsFileLayout.HEARTBEAT_MILLIS_OFFSET, System.currentTimeMillis());
    }

    /** The agent's duty cycle: a refresh when the period has passed. */
    @Override
    public int doWork() {
        long now = System.currentTimeMillis();
        if (now < nextRefreshMillis) {
            return 0;
        }
        nextRefreshMillis = now + periodMillis;
        synchronized (this) {
            if (closed) {
                return 0;
            }
            refresh();
        }
        return 1;
    }

    @Override
    public String roleName() {
        return "percpu-stats";
    }

    /** Stops the agent, frees the counters and deletes the file. Idempotent. */
    @Override
    public void close() {
        runner.close();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pools.values().forEach(PoolCounters::close);
            pools.clear();
            deleteQuietly(file);
            IoUtil.unmap(mapped);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to; the file is already gone.
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this StatsPublisher is closed");
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A file left behind is recognised as stale by its pid.
        }
    }
}
