package dev.percpu.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The statistics directory and the files in it, as the JDK keeps its
 * {@code hsperfdata} files: one directory per user, mode 0700, whose owner,
 * mode and type (not a symbolic link) are checked before every use; files of
 * mode 0600, created exclusively ({@code O_CREAT|O_EXCL}) without following
 * symbolic links ({@code O_NOFOLLOW}).
 *
 * <p>Liveness, the one protocol of these files: a publisher takes an
 * exclusive {@code fcntl} lock on its whole file right after creating it
 * and holds it for its lifetime (the kernel drops it when the process dies,
 * whatever pid namespace it runs in); it writes the layout's version only
 * after that. A file is dead when its lock can be taken. Only a publisher
 * deletes files, in its own checked directory, and only dead ones: complete
 * ones (the version written), the one named by its own pid (a leftover of an
 * earlier process with that pid, e.g. a restarted container's pid 1), and
 * incomplete ones older than {@link #ABANDONED_MILLIS}. A reader tests the
 * lock with a momentary shared lock. POSIX locks belong to the process and
 * any {@code close} of a descriptor of the file drops them, so in the
 * publishing process no second descriptor of its file is ever opened: an
 * in-process reader shares the publisher's mapping ({@link StatsPublisher}).
 *
 * <p>Windows Java leaves open (it has neither {@code openat} nor
 * {@code fstat}): the directory is checked by path and then used by path, so
 * a process of the same uid (or root) could swap it between the two; files
 * are checked to be regular by path and then opened, so such a process could
 * put a FIFO there in between (the open would then wait); a dead file is
 * checked to still be the one locked just before it is deleted by path. Only
 * the directory's owner can write into a 0700 directory, so none of these
 * windows is open to other users.
 */
final class StatsDirectory {
    /** An incomplete file (no version) whose lock is free is deleted once this old. */
    static final long ABANDONED_MILLIS = 60_000;

    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private StatsDirectory() {
    }

    /**
     * Makes {@code directory} with mode 0700 if missing (its parents with
     * the defaults), then checks it.
     *
     * @throws UncheckedIOException when it cannot be made or fails a check
     */
    static void prepare(Path directory) {
        try {
            if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                Path parent = directory.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                try {
                    Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
                } catch (FileAlreadyExistsException madeMeanwhile) {
                    // Checked below like any existing directory.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the statistics directory " + directory
                + "; set -D" + StatsFileLayout.DIRECTORY_PROPERTY + " to a directory this user may create", e);
        }
        check(directory);
    }

    /**
     * Checks that {@code directory} is a directory (not a symbolic link),
     * owned by this process's uid, with no access for group or others and
     * full access for the owner.
     *
     * @throws UncheckedIOException naming the problem and the property to set
     */
    static void check(Path directory) {
        String problem;
        try {
            PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int uid = StatsFileLayout.currentUid();
            Set<PosixFilePermission> mode = attributes.permissions();
            if (attributes.isSymbolicLink()) {
                problem = "is a symbolic link";
            } else if (!attributes.isDirectory()) {
                problem = "is not a directory";
            } else if (owner != uid) {
                problem = "is owned by uid " + owner + ", not by this process's uid " + uid;
            } else if (!mode.equals(OWNER_ONLY_DIRECTORY)) {
                problem = "has mode " + PosixFilePermissions.toString(mode) + ", not rwx------ (0700)";
            } else {
                return;
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new UncheckedIOException(new FileSystemException(directory.toString(), null,
                "cannot check the statistics directory (" + e + "); set -D" + StatsFileLayout.DIRECTORY_PROPERTY
                + " to a directory of this user's own with mode 0700"));
        }
        throw new UncheckedIOException(new FileSystemException(directory.toString(), null,
            "unsafe statistics directory: it " + problem + "; remove it, or set -D" + StatsFileLayout.DIRECTORY_PROPERTY
            + " to a directory of this user's own with mode 0700"));
    }

    /**
     * Creates {@code file} exclusively, without following a symbolic link,
     * mode 0600, {@code length} bytes long (sparse), open for reading and
     * writing.
     */
    static FileChannel createExclusive(Path file, long length) throws IOException {
        FileChannel channel = FileChannel.open(file, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        try {
            channel.write(ByteBuffer.allocate(1), length - 1);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * Deletes the dead files of {@code directory} (see the class comment);
     * {@code ownFile} is this process's file name, dead whatever its
     * version; {@code publishedHere} tells the files this JVM publishes
     * into, by file key, never opened here. Files that cannot be examined
     * are left alone.
     */
    static void deleteDeadFiles(Path directory, Path ownFile, Predicate<Object> publishedHere) {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory,
            StatsFileLayout.PREFIX + "*" + StatsFileLayout.SUFFIX)) {
            for (Path file : stream) {
                deleteIfDead(file, file.getFileName().equals(ownFile.getFileName()), publishedHere);
            }
        } catch (IOException | RuntimeException unlistable) {
            // The directory passed its check; a listing that fails leaves the files for the next publisher.
        }
    }

    private static void deleteIfDead(Path file, boolean ownPid, Predicate<Object> publishedHere) {
        try {
            BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!before.isRegularFile() || publishedHere.test(before.fileKey())) {
                return;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException heldInThisJvm) {
                    return;
                }
                if (lock == null) {
                    return;
                }
                ByteBuffer version = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder());
                boolean complete = channel.read(version, StatsFileLayout.VERSION_OFFSET) == Integer.BYTES
                    && version.getInt(0) == StatsFileLayout.VERSION;
                boolean abandoned = System.currentTimeMillis() - before.lastModifiedTime().toMillis() > ABANDONED_MILLIS;
                BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if ((complete || ownPid || abandoned) && before.fileKey().equals(now.fileKey())) {
                    Files.delete(file);
                }
            }
        } catch (NoSuchFileException gone) {
            // Deleted meanwhile.
        } catch (IOException | RuntimeException unexaminable) {
            // Not ours to judge (unreadable, replaced meanwhile): left alone.
        }
    }
}
