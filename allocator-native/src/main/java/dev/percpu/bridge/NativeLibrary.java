package dev.percpu.bridge;

import dev.percpu.properties.PercpuProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads {@code libpercpu.so} from this jar. The jar carries one library per
 * platform in {@link #PLATFORMS}, at {@code /META-INF/native/<platform>/libpercpu.so}
 * (the platform names Netty uses); {@link #platform} picks it from
 * {@code os.name} and {@code os.arch}, and any other platform gets an
 * {@link UnsatisfiedLinkError} naming it and the supported ones. The library
 * is copied into a new private directory
 * (mode 0700, unique name, so several JVMs starting at once never share or
 * race on a file), loaded with {@link System#load}, and the file and
 * directory are deleted right away: a loaded library stays mapped after its
 * file is unlinked, so nothing is left behind even if the JVM is killed.
 *
 * <p>Where the library is written, in order: the directory named by the
 * system property {@value PercpuProperties#NATIVE_DIR}; {@code java.io.tmpdir};
 * {@code $XDG_RUNTIME_DIR}; {@code ~/.cache/percpu}; {@code /dev/shm}. A
 * directory that cannot be written, or whose file system is mounted
 * {@code noexec} (the load then fails), is skipped; if none works, the error
 * lists every directory with its reason. A failure no directory can cure (a
 * glibc older than the library needs, another architecture) is reported at
 * once with its cause ({@link LoadFailure}). The system property
 * {@value PercpuProperties#NATIVE_PATH} instead names a library file to
 * load as it is.
 */
public final class NativeLibrary {
    /** The platforms the jar carries a library for: Linux on x86-64 and on arm64. */
    public static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch_64");

    private static volatile String loadedFrom;
    private static volatile String skipped = "";
    /** Why the one load attempt failed (the library is never tried twice), or null. */
    private static Throwable failure;

    private NativeLibrary() {
    }

    /**
     * Loads the library once per JVM; later calls return at once. When that one attempt failed, every call
     * throws an {@link UnsatisfiedLinkError} with the first attempt's message and that error as its cause.
     */
    public static synchronized void load() {
        Throwable cause = tryLoad();
        if (cause != null) {
            UnsatisfiedLinkError again = new UnsatisfiedLinkError(cause.getMessage());
            again.initCause(cause);
            throw again;
        }
    }

    /**
     * Loads the library once per JVM without throwing: null when it is loaded, else why it cannot be (the same
     * error on every call). Class initializers of the bridge call this, so none of them fails on a platform
     * without the library; their native methods then throw {@link UnsatisfiedLinkError} when called.
     */
    public static synchronized Throwable tryLoad() {
        if (loadedFrom == null && failure == null) {
            try {
                loadedFrom = attemptLoad();
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                failure = e;
            }
        }
        return failure;
    }

    private static String attemptLoad() {
        String resource = resource();
        String explicit = PercpuProperties.property(PercpuProperties.NATIVE_PATH);
        if (explicit != null) {
            try {
                System.load(Paths.get(explicit).toAbsolutePath().toString());
            } catch (UnsatisfiedLinkError e) {
                throw failure("could not load percpu's native library " + explicit + " (-D"
                    + PercpuProperties.NATIVE_PATH + "): " + LoadFailure.explain(e.getMessage()), e);
            }
            return explicit;
        }
        return extractAndLoad(resource, candidateDirectories());
    }

    /** The class-path resource of the library for this JVM's platform. */
    public static String resource() {
        return resource(platform(System.getProperty("os.name", ""), System.getProperty("os.arch", "")));
    }

    /** The class-path resource of the library for one of {@link #PLATFORMS}. */
    public static String resource(String platform) {
        return "/META-INF/native/" + platform + "/libpercpu.so";
    }

    /**
     * The platform of {@link #PLATFORMS} for the given {@code os.name} and {@code os.arch} (x86-64 JVMs say
     * {@code amd64} or {@code x86_64}, arm64 JVMs {@code aarch64} or {@code arm64}).
     *
     * @throws UnsatisfiedLinkError for any other platform, naming it and the supported ones
     */
    static String platform(String osName, String osArch) {
        if (osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            switch (osArch.toLowerCase(Locale.ROOT)) {
                case "amd64":
                case "x86_64":
                    return "linux-x86_64";
                case "aarch64":
                case "arm64":
                    return "linux-aarch_64";
                default:
                    break;
            }
        }
        throw new UnsatisfiedLinkError("percpu has no native library for os.name=" + osName + ", os.arch=" + osArch
            + "; percpu supports " + String.join(" and ", PLATFORMS)
            + " (Linux with os.arch amd64 or x86_64; Linux with os.arch aarch64 or arm64)");
    }

    /** Where the library was loaded from (the directory it was extracted to), or null before {@link #load()}. */
    public static String loadedFrom() {
        return loadedFrom;
    }

    /** Directories tried and skipped before the one that worked, each with its reason; empty if none. */
    public static String skipped() {
        return skipped;
    }

    static List<Path> candidateDirectories() {
        List<Path> dirs = new ArrayList<>();
        addIfSet(dirs, PercpuProperties.property(PercpuProperties.NATIVE_DIR));
        addIfSet(dirs, PercpuProperties.property(PercpuProperties.JAVA_IO_TMPDIR));
        addIfSet(dirs, PercpuProperties.environment(PercpuProperties.XDG_RUNTIME_DIR));
        String home = PercpuProperties.property(PercpuProperties.USER_HOME);
        if (home != null) {
            dirs.add(Paths.get(home, ".cache", "percpu"));
        }
        dirs.add(Paths.get("/dev/shm"));
        return dirs;
    }

    private static void addIfSet(List<Path> dirs, String dir) {
        if (dir != null && !dir.isEmpty()) {
            dirs.add(Paths.get(dir));
        }
    }

    /**
     * Tries each candidate directory in turn. A load failure that no other directory can cure (a glibc too
     * old, another architecture: {@link LoadFailure}) ends the search at once with its cause; a directory
     * that cannot be written or is mounted noexec is skipped with its reason.
     */
    private static String extractAndLoad(String resource, List<Path> candidates) {
        StringBuilder reasons = new StringBuilder();
        boolean noexec = false;
        for (Path base : candidates) {
            try {
                String dir = tryDirectory(resource, base);
                skipped = reasons.toString().trim();
                return dir;
            } catch (UnsatisfiedLinkError e) {
                if (!LoadFailure.dependsOnDirectory(e.getMessage())) {
                    throw failure("could not load percpu's native library " + resource + ": "
                        + LoadFailure.explain(e.getMessage()), e);
                }
                noexec |= LoadFailure.classify(e.getMessage()) == LoadFailure.Cause.NOEXEC;
                reasons.append("\n  ").append(base).append(": ").append(e);
            } catch (IOException | SecurityException e) {
                reasons.append("\n  ").append(base).append(": ").append(e);
            }
        }
        throw new UnsatisfiedLinkError("could not load percpu's native library " + resource
            + (noexec ? "; set -D" + PercpuProperties.NATIVE_DIR + "=<a writable directory not mounted noexec>" : "")
            + ". Tried:" + reasons);
    }

    private static UnsatisfiedLinkError failure(String message, UnsatisfiedLinkError cause) {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(message);
        error.initCause(cause);
        return error;
    }

    private static String tryDirectory(String resource, Path base) throws IOException {
        Files.createDirectories(base);
        Path dir = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? Files.createTempDirectory(base, "percpu-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
            : Files.createTempDirectory(base, "percpu-");
        Path file = dir.resolve("libpercpu.so");
        try {
            try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new UnsatisfiedLinkError("resource " + resource + " is missing from the class path "
                        + "(a jar built without this platform's library, e.g. with -Dpercpu.aarch64.skip=true?)");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            System.load(file.toString());
            return dir.toString();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
