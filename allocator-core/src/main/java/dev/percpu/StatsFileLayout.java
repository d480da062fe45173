package dev.percpu;

import java.nio.file.Path;
import java.nio.file.Paths;
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
 * (0: still being written) ignores the file.
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

    /** File name prefix and suffix: {@code percpu-<pid>.stats}. */
    static final String PREFIX = "percpu-";
    static final String SUFFIX = ".stats";

    /** System property naming the directory of the files. */
    static final String DIRECTORY_PROPERTY = "percpu.stats.dir";

    private StatsFileLayout() {
    }

    /** Bytes of a file for {@code maxCounters} counters. */
    static long fileLength(int maxCounters) {
        return HEADER_LENGTH + (long) maxCounters * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH);
    }

    /** {@code -Dpercpu.stats.dir}, else {@code ${java.io.tmpdir}/percpu-stats}. */
    static Path defaultDirectory() {
        String dir = System.getProperty(DIRECTORY_PROPERTY);
        return dir != null && !dir.isBlank() ? Paths.get(dir) : Paths.get(System.getProperty("java.io.tmpdir"), "percpu-stats");
    }

    /** The file of process {@code pid} in {@code directory}. */
    static Path fileOf(Path directory, long pid) {
        return directory.resolve(PREFIX + pid + SUFFIX);
    }
}
