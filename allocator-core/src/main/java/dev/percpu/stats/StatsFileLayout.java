package dev.percpu.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.agrona.concurrent.status.CountersReader;

/**
 * The layout of a live statistics file ({@link StatsPublisher} writes,
 * {@link StatsReader} reads): a header, then an Agrona
 * {@code CountersManager}'s metadata and values buffers, as in Aeron's
 * counters file.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 version (written last, release)               |  0
 *  +---------------------------------------------------------------+
 *  |                       metadata length                         |  4
 *  +---------------------------------------------------------------+
 *  |                         pid (64 bits)                         |  8
 *  +---------------------------------------------------------------+
 *  |                 start time, epoch ms (64 bits)                | 16
 *  +---------------------------------------------------------------+
 *  |   heartbeat, epoch ms (64 bits, release-stored every refresh) | 24
 *  +---------------------------------------------------------------+
 *  |                  refresh period, ms (64 bits)                 | 32
 *  +---------------------------------------------------------------+
 *  |                        values length                          | 40
 *  +---------------------------------------------------------------+
 *  |                   reserved, up to HEADER_LENGTH               | 44
 *  +---------------------------------------------------------------+
 *  |            counters metadata (metadata length bytes)          | 128
 *  +---------------------------------------------------------------+
 *  |             counters values (values length bytes)             |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The publisher writes every header field and the counters' buffers, then
 * release-stores {@code version}; a reader that sees any other version
 * (0: still being written) ignores the file. The counters records are
 * Agrona's ({@code CountersReader}: 512-byte metadata records with state,
 * type id and an ASCII label of at most 380 bytes; 128-byte value records
 * whose first 8 bytes hold the value), in the platform's byte order.
 */
final class StatsFileLayout {
    static final int VERSION_OFFSET = 0;
    static final int METADATA_LENGTH_OFFSET = VERSION_OFFSET + Integer.BYTES;
    static final int PID_OFFSET = METADATA_LENGTH_OFFSET + Integer.BYTES;
    static final int START_MILLIS_OFFSET = PID_OFFSET + Long.BYTES;
    static final int HEARTBEAT_MILLIS_OFFSET = START_MILLIS_OFFSET + Long.BYTES;
    static final int PERIOD_MILLIS_OFFSET = HEARTBEAT_MILLIS_OFFSET + Long.BYTES;
    static final int VALUES_LENGTH_OFFSET = PERIOD_MILLIS_OFFSET + Long.BYTES;
    /** Two cache lines: the metadata buffer starts aligned. */
    static final int HEADER_LENGTH = 128;
    /** Layout version 1; bump when the layout changes. */
    static final int VERSION = 1;
    /** The most counters a file may hold; a reader rejects longer files. */
    static final int MAX_COUNTERS = 16_384;

    /** File name prefix and suffix: {@code percpu-<pid>.stats}. */
    static final String PREFIX = "percpu-";
    static final String SUFFIX = ".stats";

    /** System property naming the directory of the files. */
    static final String DIRECTORY_PROPERTY = dev.percpu.properties.PercpuProperties.STATS_DIR;

    private StatsFileLayout() {
    }

    /** Bytes of a file for {@code maxCounters} counters. */
    static long fileLength(int maxCounters) {
        return HEADER_LENGTH + (long) maxCounters * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH);
    }

    /** The length of the longest valid file ({@link #MAX_COUNTERS} counters). */
    static long maxFileLength() {
        return fileLength(MAX_COUNTERS);
    }

    /**
     * {@code -Dpercpu.stats.dir}, else {@code ${java.io.tmpdir}/percpu-stats-<uid>}
     * with this process's numeric effective uid (under an arbitrary uid,
     * {@code user.name} may be "?").
     *
     * @throws UncheckedIOException when the uid cannot be learnt
     */
    static Path defaultDirectory() {
        String dir = dev.percpu.properties.PercpuProperties.property(DIRECTORY_PROPERTY);
        return dir != null ? Paths.get(dir) : Paths.get(dev.percpu.properties.PercpuProperties.property(
            dev.percpu.properties.PercpuProperties.JAVA_IO_TMPDIR), "percpu-stats-" + currentUid());
    }

    /**
     * This process's effective uid: from {@code /proc/self/status}, else the
     * owner of a temporary file it makes.
     *
     * @throws UncheckedIOException when neither works
     */
    static int currentUid() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    List<String> ids = List.of(line.substring("Uid:".length()).trim().split("\\s+"));
                    return Integer.parseInt(ids.get(ids.size() > 1 ? 1 : 0));
                }
            }
        } catch (IOException | RuntimeException noProc) {
            // Not Linux's procfs: the owner of a file this process makes is its effective uid.
        }
        try {
            Path probe = Files.createTempFile("percpu-uid", ".tmp");
            try {
                return (Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("cannot learn this process's uid for the statistics directory; set -D"
                + DIRECTORY_PROPERTY, e instanceof IOException ? (IOException) e : new IOException(e));
        }
    }

    /** The file of process {@code pid} in {@code directory}. */
    static Path fileOf(Path directory, long pid) {
        return directory.resolve(PREFIX + pid + SUFFIX);
    }
}
