package dev.percpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.bridge.ForkedJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The statistics files are as safe as the JDK's hsperfdata files: a private
 * directory (0700, this uid's, not a symbolic link) checked before use with
 * an error naming the problem and the property, private files, a leftover
 * of this pid replaced, liveness by the publisher's lock (seen by another
 * process, kept while this process reads its own file), no live file ever
 * deleted, and a reader that reports and skips whatever else it finds.
 */
class StatsFilesTest {
    private static final List<String> ADD_OPENS = List.of("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED");

    @TempDir
    Path tmp;

    @Test
    void shouldMakeAPrivateDirectoryNamedByUidAndPrivateFiles() throws IOException {
        int uid = StatsFileLayout.currentUid();
        assertEquals(uid, (Integer) Files.getAttribute(Files.createFile(tmp.resolve("probe")), "unix:uid"));
        String saved = System.getProperty(StatsFileLayout.DIRECTORY_PROPERTY);
        System.clearProperty(StatsFileLayout.DIRECTORY_PROPERTY);
        try {
            assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "percpu-stats-" + uid),
                StatsPublisher.defaultDirectory());
        } finally {
            if (saved != null) {
                System.setProperty(StatsFileLayout.DIRECTORY_PROPERTY, saved);
            }
        }
        Path dir = tmp.resolve("made/stats");
        try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 16)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertEquals(uid, (Integer) Files.getAttribute(dir, "unix:uid"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(publisher.file())));
        }
    }

    @Test
    void shouldRefuseADirectoryOpenToOthers() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefused(dir, "has mode rwxrwxrwx");
        assertEquals(List.of(), listing(dir), "nothing written into it");
    }

    @Test
    void shouldRefuseASymbolicLinkAtTheDirectorysName() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertRefused(link, "is a symbolic link");
        assertEquals(List.of(), listing(target));
    }

    @Test
    void shouldRefuseAFileAtTheDirectorysName() throws IOException {
        assertRefused(Files.createFile(tmp.resolve("file")), "is not a directory");
    }

    @Test
    void shouldRefuseADirectoryOfAnotherUser() throws IOException {
        assumeTrue(StatsFileLayout.currentUid() == 0, "only root can give a directory to another user");
        Path dir = Files.createDirectory(tmp.resolve("theirs"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir, "unix:uid", 4242);
        assertRefused(dir, "is owned by uid 4242, not by this process's uid 0");
    }

    private static void assertRefused(Path dir, String problem) {
        UncheckedIOException refused = assertThrows(UncheckedIOException.class,
            () -> StatsPublisher.start(dir, Duration.ofHours(1), 16).close());
        String message = refused.getMessage();
        assertTrue(message.contains(problem) && message.contains("-Dpercpu.stats.dir"), message);
    }

    @Test
    void shouldReplaceALeftoverOfItsOwnPid() throws IOException {
        Path dir = privateDirectory("own");
        Path leftover = StatsReader.fileOf(dir, ProcessHandle.current().pid());
        Files.write(leftover, new byte[300]);
        try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 16);
             StatsReader reader = StatsReader.open(publisher.file())) {
            assertEquals(leftover, publisher.file());
            assertEquals(ProcessHandle.current().pid(), reader.pid(), "a new file in its place");
            assertTrue(reader.isPublisherAlive());
        }
    }

    @Test
    void shouldNeverDeleteALiveFileAndRefuseOneOfItsOwnPidHeldElsewhere() throws Exception {
        Path dir = privateDirectory("shared");
        Path ownName = StatsReader.fileOf(dir, ProcessHandle.current().pid());
        Path otherName = StatsReader.fileOf(dir, 999_999_999L);
        Files.write(ownName, new byte[300]);
        Files.write(otherName, new byte[300]);
        Process holder = ForkedJvm.start(LockHolder.class, List.of(), Map.of(), ownName.toString(), otherName.toString());
        try {
            assertEquals("locked", new BufferedReader(new InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8)).readLine(), "the holder (a live publisher elsewhere) took its locks");
            UncheckedIOException refused = assertThrows(UncheckedIOException.class,
                () -> StatsPublisher.start(dir, Duration.ofHours(1), 16).close(),
                "same pid, another pid namespace: the name is taken by a live publisher");
            assertTrue(refused.getMessage().contains("-Dpercpu.stats.dir"), refused.getMessage());
            assertTrue(Files.exists(ownName) && Files.exists(otherName), "live files are never deleted");
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        }
        try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 16)) {
            assertEquals(ownName, publisher.file(), "once the holder is gone its own-pid file is replaced");
            assertTrue(Files.exists(otherName), "an incomplete file of another pid is left for a minute");
        }
    }

    /** Main class of a forked JVM: locks every file named in the arguments, prints {@code locked}, waits to die. */
    static final class LockHolder {
        public static void main(String[] args) throws Exception {
            List<FileLock> locks = new ArrayList<>();
            for (String file : args) {
                locks.add(FileChannel.open(Path.of(file), StandardOpenOption.READ, StandardOpenOption.WRITE).lock());
            }
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(10));
            System.out.println(locks);
        }
    }

    @Test
    void shouldKeepItsLockWhileThisProcessReadsItsOwnFile() throws Exception {
        try (StatsPublisher publisher = StatsPublisher.start(privateDirectory("in-process"), Duration.ofHours(1), 16)) {
            for (int i = 0; i < 3; i++) {
                try (StatsReader reader = StatsReader.open(publisher.file())) {
                    assertTrue(reader.isPublisherAlive());
                }
                StatsReader.openLive(publisher.file().getParent()).forEach(StatsReader::close);
            }
            ForkedJvm probe = ForkedJvm.run(LockProbe.class, List.of(), Map.of(), publisher.file().toString());
            assertEquals("true", probe.value("held"), "another process still sees the lock: " + probe);
        }
    }

    /** Main class of a forked JVM: whether another process holds a lock on the file named. */
    static final class LockProbe {
        public static void main(String[] args) throws IOException {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)) {
                FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
                System.out.println("held=" + (lock == null));
            }
        }
    }

    @Test
    void shouldReportAndSkipEveryFileItCannotUse() throws IOException {
        Path dir = privateDirectory("mixed");
        try (StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 16)) {
            Files.createDirectory(StatsReader.fileOf(dir, 11));
            Files.createSymbolicLink(StatsReader.fileOf(dir, 12), publisher.file());
            Files.write(StatsReader.fileOf(dir, 13), new byte[0]);
            Files.write(StatsReader.fileOf(dir, 14), new byte[StatsFileLayout.HEADER_LENGTH + 1]);
            Files.copy(publisher.file(), StatsReader.fileOf(dir, 15));
            Files.write(Files.createFile(dir.resolve("percpu-nonsense.stats")), new byte[] {1, 2, 3});
            Map<Path, String> skipped = new LinkedHashMap<>();
            List<StatsReader> live = StatsReader.openLive(dir, skipped::put);
            try {
                assertEquals(List.of(ProcessHandle.current().pid()), live.stream().map(StatsReader::pid).toList());
            } finally {
                live.forEach(StatsReader::close);
            }
            for (long pid : new long[] {11, 12, 13, 14, 15}) {
                assertNotNull(skipped.get(StatsReader.fileOf(dir, pid)), pid + " reported: " + skipped);
            }
            assertTrue(skipped.get(StatsReader.fileOf(dir, 15)).contains("no live publisher"), skipped.toString());
            assertEquals(7, listing(dir).size(), "readers delete nothing");
        }
    }

    @Test
    void shouldCountAHeartbeatInTheFutureAsStale() {
        try (StatsPublisher publisher = StatsPublisher.start(privateDirectory("future"), Duration.ofHours(1), 16);
             StatsReader reader = StatsReader.open(publisher.file())) {
            long beat = reader.heartbeatMillis();
            assertFalse(reader.isStale(beat), "fresh");
            assertFalse(reader.isStale(beat - StatsReader.FUTURE_TOLERANCE_MILLIS), "within the clock tolerance");
            assertTrue(reader.isStale(beat - StatsReader.FUTURE_TOLERANCE_MILLIS - 1), "ahead of the reader's clock");
        }
    }

    @Test
    void shouldTurnAFileCutShortWhileReadIntoAnException() throws IOException {
        Path dir = privateDirectory("cut");
        Path copy = StatsReader.fileOf(dir, 77);
        try (SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(64).build());
             StatsPublisher publisher = StatsPublisher.start(dir, Duration.ofHours(1), 64)) {
            publisher.add("slabs", slabs::stats);
            Files.copy(publisher.file(), copy);
        }
        try (StatsReader reader = StatsReader.open(copy)) {
            assertEquals(0L, reader.pools().get("slabs").get("inUse"));
            try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                channel.truncate(0);
            }
            IllegalStateException cut = assertThrows(IllegalStateException.class, reader::pools);
            assertTrue(cut.getMessage().contains("changed under the reader"), cut.getMessage());
            assertTrue(reader.isStale(System.currentTimeMillis()));
        }
    }

    @Test
    void shouldAllowOnePublisherPerProcessAndDirectory() {
        Path dir = privateDirectory("one");
        try (StatsPublisher first = StatsPublisher.start(dir, Duration.ofHours(1), 16)) {
            assertThrows(IllegalStateException.class, () -> StatsPublisher.start(dir, Duration.ofHours(1), 16));
            assertTrue(Files.exists(first.file(), LinkOption.NOFOLLOW_LINKS), "the first one's file is untouched");
            try (StatsReader reader = StatsReader.open(first.file())) {
                assertTrue(reader.isPublisherAlive());
            }
        }
        assertThrows(IllegalArgumentException.class,
            () -> StatsPublisher.start(dir, Duration.ofHours(1), StatsPublisher.MAX_COUNTERS + 1));
    }

    private Path privateDirectory(String name) {
        Path dir = tmp.resolve(name);
        StatsDirectory.prepare(dir);
        return dir;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
