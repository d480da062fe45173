package dev.percpu.stats;

import dev.percpu.MaintenanceRunner;
import dev.percpu.SlabStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
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
 * try (StatsPublisher stats = StatsPublisher.start()) {     // ${java.io.tmpdir}/percpu-stats-<uid>/percpu-<pid>.stats
 *     stats.add("buffers", slabs::stats);
 *     ...
 * }                                                          // file removed
 * }</pre>
 *
 * <p>One file per process ({@code percpu-<pid>.stats}, mode 0600) in the
 * directory given, by default {@code -Dpercpu.stats.dir} or else
 * {@code ${java.io.tmpdir}/percpu-stats-<uid>} (the numeric uid): a
 * directory of this user's own with mode 0700, made so if missing and
 * checked (owner, mode, not a symbolic link) before use, as the JDK's
 * {@code hsperfdata} directories are ({@code StatsDirectory} tells how, and
 * which checks Java cannot make atomic). Its layout is drawn in
 * {@code StatsFileLayout} (a header with pid, start time and heartbeat,
 * then an Agrona {@code CountersManager}). Each pool's figures are the
 * counters of {@link PoolCounters}. The publisher is an Agrona
 * {@link Agent} that refreshes every figure and the heartbeat once per
 * period; one agent serves every pool of the process (a pool's rebalancer
 * is not used: publishing is per process and rebalancers are per pool). By
 * default it runs on a daemon thread of its own ({@code percpu-stats}, run
 * by Agrona's {@code AgentRunner}); with {@link MaintenanceRunner#application()}
 * no thread is started and the application runs the publisher in its own
 * duty cycle ({@code AgentRunner}, {@code CompositeAgent} or
 * {@code AgentInvoker}). {@code stats()} takes each pool's depot lock for a
 * moment, as maintenance does.
 *
 * <p>Liveness: the publisher holds an exclusive lock on its file for its
 * lifetime, which the kernel drops when the process dies in whatever pid
 * namespace; readers test it ({@link StatsReader#isPublisherAlive()}) and
 * also ignore a file whose heartbeat is old or in the future. {@link #close()}
 * stops the agent and deletes the file; so does a JVM shutdown (a shutdown
 * hook). A process that dies without either leaves its file behind: readers
 * ignore it and the next publisher in the directory deletes it; a leftover
 * of this process's own pid (a restarted container's pid 1) is replaced. A
 * file whose lock is held is never deleted. Because closing any descriptor
 * of a file drops the process's lock on it, this process never opens a
 * second descriptor of its own file: {@link StatsReader#open} here shares
 * the publisher's mapping. One publisher per process and directory.
 *
 * <p>Threading: every method may be called from any thread; they and the
 * agent serialise on this object. A pool closed while published is dropped
 * from the file at the next refresh. Run by the application, {@link #doWork()}
 * is called from one thread at a time; after {@link #close()} it does nothing
 * and returns 0, and {@link #onClose()} (called when the application's
 * runner closes) does nothing: the application closes the publisher itself.
 *
 * <p>JVM flag: Agrona 2.x views the mapped file through its
 * {@code UnsafeBuffer}, which needs
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} (module path:
 * {@code =org.agrona}); without it {@link #start} throws
 * {@link IllegalStateException} naming the flag. The pools themselves and
 * {@link StatsReader} never need it.
 */
public final class StatsPublisher implements Agent, AutoCloseable {
    /** Refresh period of {@link #start()}. */
    public static final Duration DEFAULT_PERIOD = Duration.ofMillis(250);
    /** Name of the {@link System.Logger} the publishing thread's errors go to (at ERROR) unless its runner has an error handler. */
    public static final String LOGGER = "dev.percpu.stats";
    /** Counters a file holds: every pool takes {@code PoolCounters.figureNames().size()} plus one per CPU. */
    public static final int DEFAULT_MAX_COUNTERS = 2048;
    /** The most counters a file may hold (readers reject longer files). */
    public static final int MAX_COUNTERS = StatsFileLayout.MAX_COUNTERS;

    private static final String ADD_OPENS = "--add-opens java.base/jdk.internal.misc=ALL-UNNAMED";

    /** The files this JVM publishes into, by file key: their mappings, for in-process readers. */
    private static final Map<Object, MappedByteBuffer> PUBLISHED = new ConcurrentHashMap<>();
    /** The files this JVM is creating, by absolute path, until they are in {@link #PUBLISHED}. */
    private static final Set<Path> STARTING = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Object fileKey;
    private final FileChannel channel;
    private final long periodMillis;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersManager manager;
    private final Map<String, PoolCounters> pools = new LinkedHashMap<>();
    private final Thread shutdownHook;
    /** The agent's own thread; null when the application runs the agent. */
    private AgentRunner runner;
    private long nextRefreshMillis;
    private boolean closed;

    private StatsPublisher(Path file, Object fileKey, FileChannel channel, long periodMillis, MappedByteBuffer mapped,
        int maxCounters) {
        this.file = file;
        this.fileKey = fileKey;
        this.channel = channel;
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
        // Every field above is written before the version: a reader that sees it sees them.
    }

    /**
     * Starts publishing into {@link #defaultDirectory()}, refreshed every
     * {@link #DEFAULT_PERIOD}.
     *
     * @throws IllegalStateException without Agrona's add-opens flag, or when this process already publishes there
     * @throws UncheckedIOException when the directory or file cannot be made, or the directory is not safe (the
     *     message names the problem and {@code -Dpercpu.stats.dir})
     */
    public static StatsPublisher start() {
        return start(defaultDirectory(), DEFAULT_PERIOD, DEFAULT_MAX_COUNTERS);
    }

    /**
     * Starts publishing into {@code directory} (made with mode 0700 if
     * missing; an existing one must be this user's own, mode 0700, not a
     * symbolic link), refreshed every {@code period} (at least 1 ms), room
     * for {@code maxCounters} counters. Deletes the files of publishers that
     * are gone first, among them a leftover of this process's pid.
     *
     * @throws IllegalArgumentException for a period below 1 ms or maxCounters outside 1 .. {@value #MAX_COUNTERS}
     * @throws IllegalStateException without Agrona's add-opens flag, or when this process already publishes there
     * @throws UncheckedIOException when the directory or file cannot be made, the directory is not safe (the
     *     message names the problem and {@code -Dpercpu.stats.dir}), or a live publisher of another pid namespace
     *     holds this pid's file
     */
    public static StatsPublisher start(Path directory, Duration period, int maxCounters) {
        return start(directory, period, maxCounters, MaintenanceRunner.ownThread());
    }

    /**
     * As {@link #start(Path, Duration, int)}, run by {@code runner}: a thread of its own
     * ({@link MaintenanceRunner#ownThread()}, with its thread factory and error handler; errors go by
     * default to the logger {@value #LOGGER}) or, with {@link MaintenanceRunner#application()}, no
     * thread: the file is published and then refreshed only when the application runs this agent
     * ({@link #doWork()}) or calls {@link #refresh()}.
     *
     * @throws IllegalArgumentException for a period below 1 ms or maxCounters outside 1 .. {@value #MAX_COUNTERS}
     * @throws IllegalStateException without Agrona's add-opens flag, or when this process already publishes there
     * @throws UncheckedIOException as {@link #start(Path, Duration, int)}
     */
    public static StatsPublisher start(Path directory, Duration period, int maxCounters, MaintenanceRunner runner) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(runner, "runner");
        StatsPublisher publisher;
        long periodMillis = Objects.requireNonNull(period, "period").toMillis();
        if (periodMillis < 1) {
            throw new IllegalArgumentException("period: " + period + " (expected: at least 1 ms)");
        }
        if (maxCounters < 1 || maxCounters > MAX_COUNTERS) {
            throw new IllegalArgumentException("maxCounters: " + maxCounters + " (expected: 1 .. " + MAX_COUNTERS + ")");
        }
        StatsDirectory.prepare(directory);
        Path file = StatsFileLayout.fileOf(directory, ProcessHandle.current().pid());
        synchronized (PUBLISHED) {
            if (isPublishedHere(fileKeyOrNull(file))) {
                throw new IllegalStateException("this process already publishes into " + file
                    + " (one StatsPublisher per process and directory)");
            }
            StatsDirectory.deleteDeadFiles(directory, file, StatsPublisher::isPublishedHere);
            FileChannel channel = null;
            Object fileKey = null;
            Path starting = file.toAbsolutePath().normalize();
            STARTING.add(starting);
            try {
                channel = StatsDirectory.createExclusive(file, StatsFileLayout.fileLength(maxCounters));
                lockForLife(channel, file);
                fileKey = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
                PUBLISHED.put(fileKey, mapped);
                publisher = new StatsPublisher(file, fileKey, channel, periodMillis, mapped, maxCounters);
            } catch (FileAlreadyExistsException live) {
                throw new UncheckedIOException(new FileSystemException(file.toString(), null,
                    "exists and is not dead: a live publisher of the same pid in another pid namespace holds it, or it"
                        + " is not a statistics file; set -D"
                        + StatsFileLayout.DIRECTORY_PROPERTY + " to a directory of this process's own"));
            } catch (IOException e) {
                abandon(file, fileKey, channel);
                throw new UncheckedIOException("cannot make the statistics file " + file, e);
            } catch (LinkageError agronaNeedsTheFlag) {
                abandon(file, fileKey, channel);
                throw new IllegalStateException("publishing percpu statistics needs the JVM flag " + ADD_OPENS
                    + " (module path: =org.agrona) for Agrona's buffers", agronaNeedsTheFlag);
            } catch (RuntimeException e) {
                abandon(file, fileKey, channel);
                throw e;
            } finally {
                STARTING.remove(starting);
            }
        }
        Runtime.getRuntime().addShutdownHook(publisher.shutdownHook);
        if (!runner.isApplication()) {
            // Idle sleeps of at most 50 ms: close() waits for the agent's current sleep (AgentRunner
            // interrupts it only after 5 s), and a refresh is at most that late.
            publisher.runner = new AgentRunner(new SleepingMillisIdleStrategy(Math.max(1, Math.min(periodMillis / 4, 50))),
                runner.errorHandler().orElse(error -> System.getLogger(LOGGER).log(System.Logger.Level.ERROR,
                    "percpu stats: publishing failed", error)),
                null, publisher);
            AgentRunner.startOnThread(publisher.runner, runner.threadFactory().orElse(task -> {
                Thread thread = new Thread(task, publisher.roleName());
                thread.setDaemon(true);
                return thread;
            }));
        }
        return publisher;
    }

    /**
     * Takes the exclusive lock the file holds while this publisher lives.
     * Another process may hold it for a moment (a publisher testing whether
     * the file is dead): a few tries, then an error.
     */
    private static void lockForLife(FileChannel channel, Path file) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return;
            }
            LockSupport.parkNanos(5_000_000);
        }
        throw new FileSystemException(file.toString(), null, "another process keeps this new file locked");
    }

    private static Object fileKeyOrNull(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Undoes a start that failed after the file was made. */
    private static void abandon(Path file, Object fileKey, FileChannel channel) {
        if (fileKey != null) {
            PUBLISHED.remove(fileKey);
        }
        if (channel != null) {
            deleteQuietly(file);
            try {
                channel.close();
            } catch (IOException ignored) {
                // The descriptor goes with the process at the latest.
            }
        }
    }

    /**
     * A read-only view of the mapping of the file with {@code fileKey} when
     * this JVM publishes into it, else null: an in-process reader uses it
     * instead of opening a descriptor whose close would drop the lock.
     */
    static ByteBuffer publishedMapping(Object fileKey) {
        MappedByteBuffer mapped = fileKey == null ? null : PUBLISHED.get(fileKey);
        return mapped == null ? null : mapped.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
    }

    /** Whether this JVM is creating {@code file} (then a reader must not open it: see the class comment). */
    static boolean isStartingHere(Path file) {
        return !STARTING.isEmpty() && STARTING.contains(file.toAbsolutePath().normalize());
    }

    /** Whether this JVM still publishes into the file with {@code fileKey}. */
    static boolean isPublishedHere(Object fileKey) {
        return fileKey != null && PUBLISHED.containsKey(fileKey);
    }

    /** {@code -Dpercpu.stats.dir}, else {@code ${java.io.tmpdir}/percpu-stats-<uid>}. */
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

    /** Stops the agent's own thread, frees the counters, deletes the file and drops its lock. Idempotent. */
    @Override
    public void close() {
        if (runner != null) {
            runner.close();
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pools.values().forEach(PoolCounters::close);
            pools.clear();
            deleteQuietly(file);
            PUBLISHED.remove(fileKey);
            try {
                channel.close();
            } catch (IOException ignored) {
                // The descriptor and its lock go with the process at the latest.
            }
            // No explicit unmap: an in-process reader may still view the mapping; it goes with the last view.
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
            // A file left behind is dead once this process is: the next publisher deletes it.
        }
    }
}
