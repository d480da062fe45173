package dev.percpu.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Reads a statistics file written by a {@link StatsPublisher} of another
 * (or this) process: the header (pid, start, heartbeat) and, per pool, the
 * figures of {@link PoolCounters} by their labels. A reader opens the file
 * read-only and reads it with positional reads (in the publishing process,
 * through the publisher's mapping); it never writes or deletes it. Values are
 * read with acquire semantics and may be up to one refresh period old.
 *
 * <p>Any file: every length and offset in the file is checked against the
 * file's size before it is used and nothing is allocated by a size read from
 * the file (a label is at most 380 bytes; a file holds at most
 * {@link StatsPublisher#MAX_COUNTERS} counters). A file that is not a
 * complete statistics file of this version is refused by {@link #open} with
 * {@link IllegalStateException}; one that cannot be opened (unreadable,
 * another user's, not a regular file, a symbolic link) with
 * {@link UncheckedIOException}; a file cut short or unreadable after it was
 * opened makes the accessors throw {@link IllegalStateException}. {@link #openLive} reports
 * and skips every such file.
 *
 * <p>Liveness: the publisher holds an exclusive lock on its file while it
 * lives; {@link #isPublisherAlive()} tests it with a momentary shared lock,
 * which works across pid namespaces where a pid does not. {@link #isStale}
 * also counts a heartbeat older than {@link #maxHeartbeatAgeMillis()} or more
 * than {@value #FUTURE_TOLERANCE_MILLIS} ms in the future as stale. In the
 * publishing process a reader of its own file shares the publisher's mapping
 * and opens no descriptor (closing one would drop the publisher's lock);
 * while the publisher is still creating the file, {@link #open} by the same
 * path refuses it (by another path to the same directory, through a
 * symbolic link, it could open a descriptor then: read a process's own file
 * by the path {@link StatsPublisher#file()} gives).
 *
 * <p>Needs no JVM flag. Not thread-safe; one reader per thread.
 */
public final class StatsReader implements AutoCloseable {
    /** A heartbeat this many periods old marks a file stale... */
    private static final long STALE_PERIODS = 10;
    /** ...but never sooner than this (a publisher may pause for a GC or a stats() that waits for a lock). */
    private static final long MIN_STALE_MILLIS = 5_000;
    /** A heartbeat further ahead of the reader's clock than this marks the file stale. */
    static final long FUTURE_TOLERANCE_MILLIS = 1_000;

    private static final String LABEL_PREFIX = "percpu ";

    private final Path file;
    private final Bytes bytes;
    private final FileChannel channel;
    private final Object publishedHereKey;
    private final long pid;
    private final long startMillis;
    private final long periodMillis;
    private final int counterCount;
    private final int valuesOffset;
    private final byte[] label = new byte[CountersReader.MAX_LABEL_LENGTH];
    private boolean closed;

    private StatsReader(Path file, Bytes bytes, FileChannel channel, Object publishedHereKey) {
        this.file = file;
        this.bytes = bytes;
        this.channel = channel;
        this.publishedHereKey = publishedHereKey;
        long capacity = bytes.size();
        if (capacity < StatsFileLayout.HEADER_LENGTH) {
            throw invalid(capacity + " bytes, shorter than the " + StatsFileLayout.HEADER_LENGTH + "-byte header");
        }
        if (capacity > StatsFileLayout.maxFileLength()) {
            throw invalid(capacity + " bytes, longer than any statistics file (" + StatsFileLayout.maxFileLength() + ")");
        }
        int version = guard(() -> bytes.getInt(StatsFileLayout.VERSION_OFFSET));
        if (version != StatsFileLayout.VERSION) {
            throw invalid("version " + version + ", expected " + StatsFileLayout.VERSION + " (0: still being written)");
        }
        int metadataLength = guard(() -> bytes.getInt(StatsFileLayout.METADATA_LENGTH_OFFSET));
        int valuesLength = guard(() -> bytes.getInt(StatsFileLayout.VALUES_LENGTH_OFFSET));
        if (metadataLength < 0 || valuesLength < 0
            || metadataLength % CountersReader.METADATA_LENGTH != 0 || valuesLength % CountersReader.COUNTER_LENGTH != 0
            || metadataLength / CountersReader.METADATA_LENGTH != valuesLength / CountersReader.COUNTER_LENGTH
            || StatsFileLayout.HEADER_LENGTH + (long) metadataLength + valuesLength > capacity) {
            throw invalid("counters of " + metadataLength + " + " + valuesLength + " bytes do not fit its "
                + capacity + " bytes as the layout requires");
        }
        this.counterCount = metadataLength / CountersReader.METADATA_LENGTH;
        this.valuesOffset = StatsFileLayout.HEADER_LENGTH + metadataLength;
        this.pid = guard(() -> bytes.getLong(StatsFileLayout.PID_OFFSET));
        this.startMillis = guard(() -> bytes.getLong(StatsFileLayout.START_MILLIS_OFFSET));
        this.periodMillis = guard(() -> bytes.getLong(StatsFileLayout.PERIOD_MILLIS_OFFSET));
        if (pid <= 0 || startMillis < 0 || periodMillis < 1) {
            throw invalid("a header with pid " + pid + ", start " + startMillis + ", period " + periodMillis);
        }
    }

    /**
     * Opens {@code file} read-only (without following a symbolic link).
     *
     * @throws IllegalStateException when it is not a complete statistics file of this version
     * @throws UncheckedIOException when it cannot be opened or read, or is not a regular file
     */
    public static StatsReader open(Path file) {
        if (StatsPublisher.isStartingHere(file)) {
            throw new IllegalStateException(file + " is not a complete percpu statistics file: this process is"
                + " still creating it");
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (!attributes.isRegularFile()) {
            throw new UncheckedIOException(new IOException(file + " is not a regular file"));
        }
        ByteBuffer own = StatsPublisher.publishedMapping(attributes.fileKey());
        if (own != null) {
            return new StatsReader(file, new Memory(own), null, attributes.fileKey());
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            long size = channel.size();
            if (size < StatsFileLayout.HEADER_LENGTH || size > StatsFileLayout.maxFileLength()) {
                throw new IllegalStateException(file + " is not a percpu statistics file (" + size + " bytes)");
            }
            return new StatsReader(file, new Channel(file, channel, size), channel, null);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * A reader of the bytes of a file already in memory (the file's bytes
     * from position 0 to the limit), which has no publisher to test:
     * {@link #isPublisherAlive()} is false.
     *
     * @throws IllegalStateException when they are not a complete statistics file of this version
     */
    static StatsReader of(String name, ByteBuffer bytes) {
        return new StatsReader(Path.of(name), new Memory(bytes.slice()), null, null);
    }

    /** {@code -Dpercpu.stats.dir}, else {@code ${java.io.tmpdir}/percpu-stats-<uid>}. */
    public static Path defaultDirectory() {
        return StatsFileLayout.defaultDirectory();
    }

    /** The file process {@code pid} publishes into in {@code directory}. */
    public static Path fileOf(Path directory, long pid) {
        return StatsFileLayout.fileOf(directory, pid);
    }

    /** {@link #openLive(Path, BiConsumer)} that drops the reasons for skipping. */
    public static List<StatsReader> openLive(Path directory) {
        return openLive(directory, (file, reason) -> { });
    }

    /**
     * Opens every statistics file in {@code directory} whose publisher is
     * alive (its lock held, its heartbeat fresh), ordered by pid. Every other
     * file named like a statistics file is passed to {@code skipped} with the
     * reason (dead or silent publisher, incomplete, corrupt, unreadable, not
     * a regular file) and left in place; so is the directory itself when it
     * cannot be listed. Empty when the directory does not exist. Never throws
     * for a file.
     */
    public static List<StatsReader> openLive(Path directory, BiConsumer<Path, String> skipped) {
        List<StatsReader> live = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Path file : files(directory, skipped)) {
            StatsReader reader;
            try {
                reader = open(file);
            } catch (RuntimeException unusable) {
                skipped.accept(file, String.valueOf(unusable.getMessage()));
                continue;
            }
            String staleness = reader.staleness(now);
            if (staleness != null) {
                reader.close();
                skipped.accept(file, staleness);
            } else {
                live.add(reader);
            }
        }
        live.sort((a, b) -> Long.compare(a.pid(), b.pid()));
        return live;
    }

    private static List<Path> files(Path directory, BiConsumer<Path, String> skipped) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory,
            StatsFileLayout.PREFIX + "*" + StatsFileLayout.SUFFIX)) {
            for (Path file : stream) {
                files.add(file);
                if (files.size() > StatsFileLayout.MAX_COUNTERS) {
                    skipped.accept(directory, "more than " + StatsFileLayout.MAX_COUNTERS + " files; the rest unread");
                    break;
                }
            }
        } catch (NoSuchFileException none) {
            return files;
        } catch (IOException | RuntimeException e) {
            skipped.accept(directory, "cannot list: " + e);
        }
        return files;
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The publishing process's pid (in its own pid namespace). */
    public long pid() {
        return pid;
    }

    /** When the publisher started, epoch ms. */
    public long startMillis() {
        return startMillis;
    }

    /**
     * The publisher's last refresh, epoch ms.
     *
     * @throws IllegalStateException when the file was cut short or became unreadable
     */
    public long heartbeatMillis() {
        return guard(() -> bytes.getLong(StatsFileLayout.HEARTBEAT_MILLIS_OFFSET));
    }

    /** The publisher's refresh period, ms. */
    public long periodMillis() {
        return periodMillis;
    }

    /** The heartbeat age beyond which the file is stale: 10 periods, at least 5 s. */
    public long maxHeartbeatAgeMillis() {
        return Math.max(MIN_STALE_MILLIS, STALE_PERIODS * Math.min(periodMillis, Long.MAX_VALUE / STALE_PERIODS));
    }

    /**
     * Whether the publisher still holds the file's lock, i.e. its process is
     * running (whatever its pid namespace). False after {@link #close()}, for
     * a reader of bytes in memory, and when the lock cannot be tested.
     */
    public boolean isPublisherAlive() {
        if (closed) {
            return false;
        }
        if (publishedHereKey != null) {
            return StatsPublisher.isPublishedHere(publishedHereKey);
        }
        if (channel == null) {
            return false;
        }
        try {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException anotherReaderHereIsTesting) {
            return true;
        } catch (IOException | RuntimeException untestable) {
            return false;
        }
    }

    /**
     * Whether, at {@code nowMillis} (epoch ms), the publisher is gone, its
     * heartbeat older than {@link #maxHeartbeatAgeMillis()}, or more than
     * {@value #FUTURE_TOLERANCE_MILLIS} ms in the future. Never throws: a
     * file cut short or unreadable is stale.
     */
    public boolean isStale(long nowMillis) {
        return staleness(nowMillis) != null;
    }

    /** Why the file is stale at {@code nowMillis}, or null when it is live. */
    String staleness(long nowMillis) {
        if (!isPublisherAlive()) {
            return "no live publisher holds it";
        }
        long heartbeat;
        try {
            heartbeat = heartbeatMillis();
        } catch (IllegalStateException cutShort) {
            return cutShort.getMessage();
        }
        if (heartbeat > nowMillis && heartbeat - nowMillis > FUTURE_TOLERANCE_MILLIS) {
            return "heartbeat " + (heartbeat - nowMillis) + " ms in the future";
        }
        if (heartbeat < nowMillis && (heartbeat < 0 || nowMillis - heartbeat > maxHeartbeatAgeMillis())) {
            return "no heartbeat for " + (heartbeat < 0 ? "ever" : (nowMillis - heartbeat) + " ms");
        }
        return null;
    }

    /**
     * Every published pool, in counter order, with its figures by name
     * ({@link PoolCounters#figureNames()}, then {@code "freeOnCpu <cpu>"}).
     * Counters of other types, with other labels or with a label length
     * outside 0 .. 380 are left out.
     *
     * @throws IllegalStateException when the file was cut short or became unreadable
     */
    public Map<String, Map<String, Long>> pools() {
        return guard(this::readPools);
    }

    private Map<String, Map<String, Long>> readPools() {
        Map<String, Map<String, Long>> pools = new LinkedHashMap<>();
        for (int id = 0; id < counterCount; id++) {
            int record = StatsFileLayout.HEADER_LENGTH + id * CountersReader.METADATA_LENGTH;
            int state = bytes.getInt(record);
            if (state == CountersReader.RECORD_UNUSED) {
                break;
            }
            if (state != CountersReader.RECORD_ALLOCATED
                || bytes.getInt(record + CountersReader.TYPE_ID_OFFSET) != PoolCounters.TYPE_ID) {
                continue;
            }
            int labelLength = bytes.getInt(record + CountersReader.LABEL_OFFSET);
            if (labelLength < 0 || labelLength > label.length) {
                continue;
            }
            bytes.get(record + CountersReader.LABEL_OFFSET + Integer.BYTES, label, labelLength);
            String text = new String(label, 0, labelLength, StandardCharsets.US_ASCII);
            int colon = text.lastIndexOf(": ");
            if (!text.startsWith(LABEL_PREFIX) || colon < LABEL_PREFIX.length()) {
                continue;
            }
            long value = bytes.getLong(valuesOffset + id * CountersReader.COUNTER_LENGTH);
            pools.computeIfAbsent(text.substring(LABEL_PREFIX.length(), colon), p -> new LinkedHashMap<>())
                .put(text.substring(colon + 2), value);
        }
        return pools;
    }

    /** Closes the file. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    /**
     * Runs a read of the file; an index outside the bytes (a file cut short
     * while read) becomes {@link IllegalStateException}.
     */
    private <T> T guard(Read<T> read) {
        try {
            return read.run();
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalStateException(file + " changed under the reader (cut short?): " + e, e);
        }
    }

    private IllegalStateException invalid(String what) {
        return new IllegalStateException(file + " is not a complete percpu statistics file: " + what);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // A reader's descriptor holds no lock beyond a test; nothing is lost.
        }
    }

    /** One read of the file's bytes. */
    @FunctionalInterface
    private interface Read<T> {
        T run();
    }

    /**
     * The bytes of a file at offsets below {@link #size()}, read with
     * acquire semantics; a read past the end of bytes that shrank throws
     * {@link IllegalStateException} or {@link IndexOutOfBoundsException}.
     */
    private interface Bytes {
        long size();

        int getInt(int offset);

        long getLong(int offset);

        void get(int offset, byte[] into, int length);
    }

    /** Bytes in memory: a buffer, or the mapping of a publisher of this process (valid after it closes). */
    private static final class Memory implements Bytes {
        private final ByteBuffer buffer;

        Memory(ByteBuffer buffer) {
            this.buffer = buffer.order(ByteOrder.nativeOrder());
        }

        @Override
        public long size() {
            return buffer.capacity();
        }

        @Override
        public int getInt(int offset) {
            int value = buffer.getInt(offset);
            VarHandle.acquireFence();
            return value;
        }

        @Override
        public long getLong(int offset) {
            long value = buffer.getLong(offset);
            VarHandle.acquireFence();
            return value;
        }

        @Override
        public void get(int offset, byte[] into, int length) {
            buffer.get(offset, into, 0, length);
        }
    }

    /**
     * Bytes of another process's file, read with positional reads (a system
     * call orders them) rather than mapped: a mapping of a file that its
     * owner cuts short faults on access (SIGBUS), which the JVM reports
     * asynchronously, possibly outside any handler; a read past the end just
     * comes back short.
     */
    private static final class Channel implements Bytes {
        private final Path file;
        private final FileChannel channel;
        private final long size;
        private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());

        Channel(Path file, FileChannel channel, long size) {
            this.file = file;
            this.channel = channel;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public int getInt(int offset) {
            return read(offset, Integer.BYTES).getInt(0);
        }

        @Override
        public long getLong(int offset) {
            return read(offset, Long.BYTES).getLong(0);
        }

        @Override
        public void get(int offset, byte[] into, int length) {
            fill(offset, ByteBuffer.wrap(into, 0, length));
        }

        private ByteBuffer read(int offset, int length) {
            scratch.clear().limit(length);
            fill(offset, scratch);
            return scratch;
        }

        private void fill(int offset, ByteBuffer into) {
            int start = into.position();
            try {
                while (into.hasRemaining()) {
                    if (channel.read(into, offset + (long) (into.position() - start)) < 0) {
                        throw new IllegalStateException(file + " changed under the reader: cut short below "
                            + (offset + into.limit() - start) + " bytes");
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(file + " cannot be read any more: " + e, e);
            }
        }
    }
}
