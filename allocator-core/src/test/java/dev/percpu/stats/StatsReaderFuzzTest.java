package dev.percpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader survives any file: 200,000 random and adversarial images of a
 * statistics file (header lengths and offsets at and around every boundary,
 * truncations at every boundary, bad versions, huge and negative counts and
 * label lengths, random states, type ids, labels and byte flips) are read
 * from memory. Each either is refused by {@code StatsReader.of} with
 * {@link IllegalStateException} or reads completely (header, staleness,
 * pools) without any exception, and no case allocates more than
 * {@value #MAX_BYTES_PER_CASE} bytes (a size taken from the file would).
 * 5,000 more are written to a file and read through {@code open}, as
 * another process's file is (positional reads).
 */
class StatsReaderFuzzTest {
    private static final int CASES = 200_000;
    private static final int FILE_CASES = 5_000;
    private static final int COUNTERS = 48;
    private static final long MAX_BYTES_PER_CASE = 1 << 20;
    private static final int[] INT_EDGES = {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, 2_147_483_000,
        200_000_000, 127, 128, 129, 380, 381, 384, 511, 512, 513, 4096, COUNTERS * 512, COUNTERS * 512 + 1,
        COUNTERS * 128, COUNTERS * 128 - 1, StatsPublisher.MAX_COUNTERS * 512, (StatsPublisher.MAX_COUNTERS + 1) * 512};
    private static final long[] LONG_EDGES = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE / 10 + 1,
        Integer.MAX_VALUE, System.currentTimeMillis(), System.currentTimeMillis() + 86_400_000L};
    private static final int[] HEADER_INTS = {StatsFileLayout.VERSION_OFFSET, StatsFileLayout.METADATA_LENGTH_OFFSET,
        StatsFileLayout.VALUES_LENGTH_OFFSET};
    private static final int[] HEADER_LONGS = {StatsFileLayout.PID_OFFSET, StatsFileLayout.START_MILLIS_OFFSET,
        StatsFileLayout.HEARTBEAT_MILLIS_OFFSET, StatsFileLayout.PERIOD_MILLIS_OFFSET};

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void shouldRefuseOrReadEveryImageWithoutAnyOtherException() {
        ByteBuffer valid = validImage();
        int length = valid.capacity();
        assertEquals(2, StatsReader.of("valid", valid).pools().size(), "the unmutated image reads");
        ByteBuffer work = ByteBuffer.allocateDirect(length).order(ByteOrder.nativeOrder());
        SplittableRandom random = new SplittableRandom(24);
        int[] cuts = {0, 1, 4, 127, 128, 129, 640, 128 + COUNTERS * 512 - 1, 128 + COUNTERS * 512,
            128 + COUNTERS * 512 + 1, length - 129, length - 128, length - 1, length};
        int refused = 0;
        long worstBytes = 0;
        long now = System.currentTimeMillis();
        for (int n = 0; n < CASES; n++) {
            work.clear();
            work.put(valid.duplicate().clear());
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                mutate(work, random);
            }
            int cut = random.nextInt(4) == 0 ? cuts[random.nextInt(cuts.length)]
                : random.nextInt(8) == 0 ? random.nextInt(length + 1) : length;
            ByteBuffer image = work.duplicate().clear().limit(cut);
            long before = threads.getCurrentThreadAllocatedBytes();
            StatsReader reader;
            try {
                reader = StatsReader.of("case " + n, image);
            } catch (IllegalStateException expected) {
                refused++;
                continue;
            } catch (Throwable unexpected) {
                throw new AssertionError("case " + n + ": open threw", unexpected);
            }
            try {
                Map<String, Map<String, Long>> pools = reader.pools();
                int figures = pools.values().stream().mapToInt(Map::size).sum();
                assertTrue(figures <= COUNTERS, "case " + n + ": no more figures than records");
                reader.pid();
                reader.heartbeatMillis();
                reader.maxHeartbeatAgeMillis();
                assertTrue(reader.isStale(now), "case " + n + ": a file in memory has no live publisher");
                reader.close();
            } catch (Throwable unexpected) {
                fail("case " + n + ": reading an accepted image threw", unexpected);
            }
            worstBytes = Math.max(worstBytes, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(worstBytes <= MAX_BYTES_PER_CASE, "worst case allocated " + worstBytes + " bytes");
        assertTrue(refused > CASES / 10 && refused < CASES - CASES / 10,
            "both refusals and reads are exercised: " + refused + " refused of " + CASES);
    }

    @Test
    void shouldRefuseOrReadEveryFileOnDisk(@TempDir Path dir) throws IOException {
        ByteBuffer valid = validImage();
        ByteBuffer work = ByteBuffer.allocateDirect(valid.capacity()).order(ByteOrder.nativeOrder());
        SplittableRandom random = new SplittableRandom(42);
        Path file = dir.resolve("percpu-1.stats");
        int read = 0;
        for (int n = 0; n < FILE_CASES; n++) {
            work.clear();
            work.put(valid.duplicate().clear());
            for (int m = 1 + random.nextInt(4); m > 0; m--) {
                mutate(work, random);
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(work.duplicate().clear().limit(random.nextInt(4) == 0
                    ? random.nextInt(valid.capacity() + 1) : valid.capacity()));
            }
            StatsReader reader;
            try {
                reader = StatsReader.open(file);
            } catch (IllegalStateException expected) {
                continue;
            } catch (Throwable unexpected) {
                throw new AssertionError("file case " + n + ": open threw", unexpected);
            }
            try (reader) {
                reader.pools();
                reader.heartbeatMillis();
                assertTrue(reader.isStale(System.currentTimeMillis()), "no publisher holds the file");
                read++;
            } catch (Throwable unexpected) {
                fail("file case " + n + ": reading an accepted file threw", unexpected);
            }
        }
        assertTrue(read > 0, "some files were accepted and read");
    }

    @Test
    void shouldBoundTheFileLengthItAccepts() {
        long max = StatsFileLayout.maxFileLength();
        ByteBuffer largest = ByteBuffer.allocateDirect((int) max + 1).order(ByteOrder.nativeOrder());
        largest.putInt(StatsFileLayout.VERSION_OFFSET, StatsFileLayout.VERSION);
        largest.putInt(StatsFileLayout.METADATA_LENGTH_OFFSET, StatsPublisher.MAX_COUNTERS * CountersReader.METADATA_LENGTH);
        largest.putInt(StatsFileLayout.VALUES_LENGTH_OFFSET, StatsPublisher.MAX_COUNTERS * CountersReader.COUNTER_LENGTH);
        largest.putLong(StatsFileLayout.PID_OFFSET, 1);
        largest.putLong(StatsFileLayout.PERIOD_MILLIS_OFFSET, 1);
        for (int id = 0; id < StatsPublisher.MAX_COUNTERS; id++) {
            int record = StatsFileLayout.HEADER_LENGTH + id * CountersReader.METADATA_LENGTH;
            largest.putInt(record, CountersReader.RECORD_ALLOCATED);
            largest.putInt(record + CountersReader.TYPE_ID_OFFSET, PoolCounters.TYPE_ID);
            largest.putInt(record + CountersReader.LABEL_OFFSET, 2_147_483_000);
        }
        assertEquals(Map.of(), StatsReader.of("largest", largest.duplicate().limit((int) max)).pools(),
            "every record allocated, every label length hostile: all skipped");
        try {
            StatsReader.of("too long", largest);
            fail("a file longer than " + max + " bytes is refused");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage().contains("longer than any statistics file"), expected.getMessage());
        }
    }

    /** A file image as a publisher writes it: two pools, two foreign counters, a freed one, room left. */
    private static ByteBuffer validImage() {
        int metadataLength = COUNTERS * CountersReader.METADATA_LENGTH;
        int valuesLength = COUNTERS * CountersReader.COUNTER_LENGTH;
        ByteBuffer image = ByteBuffer.allocateDirect((int) StatsFileLayout.fileLength(COUNTERS))
            .order(ByteOrder.nativeOrder());
        CountersManager manager = new CountersManager(
            new UnsafeBuffer(image, StatsFileLayout.HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(image, StatsFileLayout.HEADER_LENGTH + metadataLength, valuesLength));
        for (String pool : new String[] {"first", "second"}) {
            for (String figure : PoolCounters.figureNames()) {
                manager.newCounter("percpu " + pool + ": " + figure, PoolCounters.TYPE_ID).set(figure.length());
            }
        }
        manager.newCounter("someone else's", 1).set(7);
        manager.free(manager.newCounter("percpu freed: inUse", PoolCounters.TYPE_ID).id());
        manager.newCounter("percpu no colon", PoolCounters.TYPE_ID);
        long now = System.currentTimeMillis();
        image.putInt(StatsFileLayout.METADATA_LENGTH_OFFSET, metadataLength);
        image.putInt(StatsFileLayout.VALUES_LENGTH_OFFSET, valuesLength);
        image.putLong(StatsFileLayout.PID_OFFSET, 4242);
        image.putLong(StatsFileLayout.START_MILLIS_OFFSET, now);
        image.putLong(StatsFileLayout.HEARTBEAT_MILLIS_OFFSET, now);
        image.putLong(StatsFileLayout.PERIOD_MILLIS_OFFSET, 250);
        image.putInt(StatsFileLayout.VERSION_OFFSET, StatsFileLayout.VERSION);
        return image;
    }

    private static void mutate(ByteBuffer image, SplittableRandom random) {
        int record = StatsFileLayout.HEADER_LENGTH + random.nextInt(COUNTERS + 2) * CountersReader.METADATA_LENGTH;
        int limit = image.capacity();
        switch (random.nextInt(9)) {
            case 0 -> image.putInt(HEADER_INTS[random.nextInt(HEADER_INTS.length)], intEdge(random));
            case 1 -> image.putLong(HEADER_LONGS[random.nextInt(HEADER_LONGS.length)],
                LONG_EDGES[random.nextInt(LONG_EDGES.length)] + random.nextInt(3) - 1);
            case 2 -> putIfInside(image, record, intEdge(random));
            case 3 -> putIfInside(image, record + CountersReader.TYPE_ID_OFFSET,
                random.nextBoolean() ? PoolCounters.TYPE_ID : intEdge(random));
            case 4 -> putIfInside(image, record + CountersReader.LABEL_OFFSET, intEdge(random));
            case 5 -> {
                int at = record + CountersReader.LABEL_OFFSET + Integer.BYTES + random.nextInt(CountersReader.MAX_LABEL_LENGTH);
                if (at < limit) {
                    image.put(at, (byte) random.nextInt(256));
                }
            }
            case 6 -> image.put(random.nextInt(limit), (byte) random.nextInt(256));
            case 7 -> {
                int lengthOffset = random.nextBoolean() ? StatsFileLayout.METADATA_LENGTH_OFFSET
                    : StatsFileLayout.VALUES_LENGTH_OFFSET;
                int unit = lengthOffset == StatsFileLayout.METADATA_LENGTH_OFFSET ? CountersReader.METADATA_LENGTH
                    : CountersReader.COUNTER_LENGTH;
                image.putInt(lengthOffset, unit * (COUNTERS + random.nextInt(5) - 2));
            }
            default -> {
                int metadata = CountersReader.METADATA_LENGTH * random.nextInt(COUNTERS + 1);
                image.putInt(StatsFileLayout.METADATA_LENGTH_OFFSET, metadata);
                image.putInt(StatsFileLayout.VALUES_LENGTH_OFFSET,
                    metadata / CountersReader.METADATA_LENGTH * CountersReader.COUNTER_LENGTH);
            }
        }
    }

    private static int intEdge(SplittableRandom random) {
        return INT_EDGES[random.nextInt(INT_EDGES.length)] + random.nextInt(3) - 1;
    }

    private static void putIfInside(ByteBuffer image, int offset, int value) {
        if (offset + Integer.BYTES <= image.capacity()) {
            image.putInt(offset, value);
        }
    }
}
