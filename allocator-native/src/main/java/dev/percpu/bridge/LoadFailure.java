package dev.percpu.bridge;

import dev.percpu.properties.PercpuProperties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why {@link System#load} refused percpu's library, read from the message of
 * its {@link UnsatisfiedLinkError} (the dynamic loader's {@code dlopen}
 * error, to which HotSpot may add a "Possible cause"), and what the user can
 * do about it. {@link NativeLibrary} uses it on its error path only.
 *
 * <p>The causes: a glibc symbol version the system's C library lacks (an
 * older glibc: the jar's libraries need nothing above
 * {@value #GLIBC_BASELINE}, the build checks it); a library of another
 * architecture or word width; a directory on a file system mounted
 * {@code noexec} (the only cause another directory, {@code -Dpercpu.native.dir},
 * can cure); anything else, reported as the loader said it.
 */
final class LoadFailure {
    /** The oldest glibc the jar's libraries load on; the pom's {@code percpu.glibc.baseline}. */
    static final String GLIBC_BASELINE = "2.17";

    /** The kinds of failure, each with its own advice. */
    enum Cause {
        /** The library needs a symbol version (GLIBC_x.y) the system's C library does not define. */
        MISSING_SYMBOL_VERSION,
        /** The library is for another machine or word width than the JVM. */
        WRONG_ARCHITECTURE,
        /** The file could not be mapped executable: its directory is on a noexec mount. */
        NOEXEC,
        /** Any other loader error. */
        OTHER
    }

    /** glibc: "{@code <lib>: <provider>: version `GLIBC_2.35' not found (required by <lib>)}" (newer glibc quotes '...'). */
    private static final Pattern MISSING_VERSION =
        Pattern.compile("(?:([^\\s:]+): )?version [`']([^`']+)['`] not found");
    private static final Pattern GLIBC_VERSION = Pattern.compile("GLIBC_(\\d+)\\.(\\d+)(?:\\.\\d+)?");

    private LoadFailure() {
    }

    /** The cause named by a {@code System.load} error message; {@link Cause#OTHER} for null or unknown text. */
    static Cause classify(String message) {
        if (message == null) {
            return Cause.OTHER;
        }
        if (MISSING_VERSION.matcher(message).find()) {
            return Cause.MISSING_SYMBOL_VERSION;
        }
        if (message.contains("wrong ELF class") || message.contains("Possible cause: can't load")
            || message.contains("Possible cause: architecture word width mismatch")
            || message.contains("ELF file's machine") || message.contains("ELF file data encoding")) {
            return Cause.WRONG_ARCHITECTURE;
        }
        if (message.contains("failed to map segment from shared object")) {
            return Cause.NOEXEC;
        }
        return Cause.OTHER;
    }

    /** Whether another directory could succeed where this failure happened (only a noexec mount, or an unknown cause). */
    static boolean dependsOnDirectory(String message) {
        Cause cause = classify(message);
        return cause == Cause.NOEXEC || cause == Cause.OTHER;
    }

    /**
     * One or two sentences for the user: the cause, in the loader's words where they name it, and the remedy.
     * {@code -Dpercpu.native.dir} is suggested only for a noexec mount.
     */
    static String explain(String message) {
        switch (classify(message)) {
            case MISSING_SYMBOL_VERSION:
                return missingVersion(message);
            case WRONG_ARCHITECTURE:
                return "the library is for another architecture than this JVM (os.arch="
                    + System.getProperty("os.arch") + ", " + System.getProperty("sun.arch.data.model", "?")
                    + "-bit): the loader said: " + message;
            case NOEXEC:
                return "the directory it was extracted to is on a file system mounted noexec (the loader could "
                    + "not map it executable): set -D" + PercpuProperties.NATIVE_DIR
                    + "=<a writable directory not mounted noexec>. The loader said: " + message;
            default:
                return "the loader said: " + message;
        }
    }

    private static String missingVersion(String message) {
        Matcher m = MISSING_VERSION.matcher(message);
        m.find();
        String version = m.group(2);
        String provider = m.group(1) == null ? "the system's C library" : m.group(1);
        Matcher glibc = GLIBC_VERSION.matcher(version);
        if (!glibc.matches()) {
            return "the library needs the symbol version " + version + ", which " + provider
                + " does not define. The loader said: " + message;
        }
        String needed = glibc.group(1) + "." + glibc.group(2);
        String advice = newerThanBaseline(Integer.parseInt(glibc.group(1)), Integer.parseInt(glibc.group(2)))
            ? "percpu's jars target glibc " + GLIBC_BASELINE + " and later, so this library was built without "
                + "the build's glibc baseline check: use a released jar or one built by mvn verify"
            : "percpu needs glibc " + GLIBC_BASELINE + " or later";
        return "the library needs glibc " + needed + " (" + version + " from " + provider
            + ") and this system's glibc is older: " + advice + ". The loader said: " + message;
    }

    private static boolean newerThanBaseline(int major, int minor) {
        String[] base = GLIBC_BASELINE.split("\\.");
        int baseMajor = Integer.parseInt(base[0]);
        int baseMinor = Integer.parseInt(base[1]);
        return major > baseMajor || (major == baseMajor && minor > baseMinor);
    }
}
