package dev.percpu.properties;

import java.util.List;

/**
 * Every system property and environment variable percpu's modules read, in
 * one place: the name of each is a constant here, and the Java code reads it
 * only through {@link #property(String)} or {@link #environment(String)}, which
 * also apply its default (the native library reads {@link #RSEQ} with
 * {@code getenv}). Its package is the lowest of the lowest module,
 * {@code dev.percpu.runtime}, and depends on nothing: the bridge and the
 * runtime facts of that module, the pools' module {@code dev.percpu} and the
 * Netty adapter all read through it without a new dependency.
 *
 * <p>docs/api.md ("System properties and environment variables") holds the
 * same list as a table, with each entry's values, default and reading module;
 * a test checks the table against {@link #entries()} and checks that the main
 * code of every module reads no other name (besides JVM facts such as
 * {@code os.arch}, read to pick the native library or to write a message).
 * Properties used only by the tests, the build or the benchmarks are not
 * listed.
 *
 * <p>Settings a pool builder also takes ({@link #MODE}, {@link #DEBUG},
 * {@link #DEBUG_STACK_TRACES}) apply only where the builder leaves them unset
 * (the builder always wins) and are read when its {@code build()} runs.
 * {@link #BRIDGE}, {@link #NATIVE_PATH} and the extraction directories are
 * read once, when the native library loads, and {@link #RSEQ} by the native
 * library as it is loaded; {@link #STATS_DIR} when a statistics publisher or
 * reader picks its default directory; {@link #NETTY_MAX_MEMORY} when
 * {@code PercpuByteBufAllocator} is initialised.
 */
public final class PercpuProperties {
    /**
     * System property: the {@code Mode} of a pool whose builder sets none: {@code auto}, {@code rseq} or
     * {@code fallback} (case-insensitive); default {@code auto}. See {@code dev.percpu.runtime.Mode.fromProperty()}.
     */
    public static final String MODE = "percpu.mode";
    /**
     * System property: the binding of the critical native calls, {@code auto}, {@code jni} or {@code ffm};
     * default {@code auto} (FFM downcalls on JDK 22+ when the multi-release jar carries them, JNI otherwise).
     * {@code ffm} fails where FFM is unavailable.
     */
    public static final String BRIDGE = "percpu.bridge";
    /** System property: the directory the native library is extracted to first (unset: the next candidates). */
    public static final String NATIVE_DIR = "percpu.native.dir";
    /** System property: a library file to load instead of the one in the jar (unset: the bundled library). */
    public static final String NATIVE_PATH = "percpu.native.path";
    /**
     * System property: debug mode of a pool whose builder leaves it unset, {@code true} or {@code false}
     * (case-insensitive); default {@code false}.
     */
    public static final String DEBUG = "percpu.debug";
    /**
     * System property: in debug mode, record where 1 in N allocations happened, an integer N &gt;= 0, for a pool
     * whose builder leaves it unset; default {@code 0} (none).
     */
    public static final String DEBUG_STACK_TRACES = "percpu.debug.stackTraces";
    /**
     * System property: the directory of the live statistics files (unset:
     * {@code ${java.io.tmpdir}/percpu-stats-<uid>}).
     */
    public static final String STATS_DIR = "percpu.stats.dir";
    /**
     * System property: the memory cap of {@code PercpuByteBufAllocator.DEFAULT}, a size with an optional k/m/g
     * suffix (unset: the JVM's direct memory limit, at least 256 MiB).
     */
    public static final String NETTY_MAX_MEMORY = "percpu.netty.maxMemory";
    /**
     * Environment variable, read by the native library when it loads: {@code off} makes every thread behave as if
     * rseq were unavailable (neither glibc's registration nor percpu's own is used), so {@code Mode.AUTO} resolves
     * to {@code FALLBACK} and {@code Mode.RSEQ} fails; any other value, or none, changes nothing.
     */
    public static final String RSEQ = "PERCPU_RSEQ";
    /**
     * The JDK's temporary directory: the second place the native library is extracted to, and the parent of
     * the default statistics directory.
     */
    public static final String JAVA_IO_TMPDIR = "java.io.tmpdir";
    /** Environment variable: the per-user runtime directory, the third place the native library is extracted to. */
    public static final String XDG_RUNTIME_DIR = "XDG_RUNTIME_DIR";
    /** The JDK's user home: {@code ~/.cache/percpu} is the fourth place the native library is extracted to. */
    public static final String USER_HOME = "user.home";

    /** Where a name is looked up. */
    enum Kind {
        /** {@link System#getProperty(String)}. */
        SYSTEM_PROPERTY("system property"),
        /** {@link System#getenv(String)}, or the C library's {@code getenv}. */
        ENVIRONMENT_VARIABLE("environment variable");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /**
     * One name percpu reads: its kind, the values it takes, its default and the module that reads it.
     * {@code literalDefault} says whether {@code defaultValue} is the value itself (used when the name is
     * unset or blank) or a description of what happens then.
     */
    record Entry(String name, Kind kind, String values, String defaultValue, boolean literalDefault, String readBy) {
    }

    private static final String NATIVE = "percpu-native";
    private static final String CORE = "percpu-core";
    private static final String NETTY = "percpu-netty";

    private static final List<Entry> ENTRIES = List.of(
        new Entry(MODE, Kind.SYSTEM_PROPERTY, "auto, rseq, fallback", "auto", true, NATIVE),
        new Entry(BRIDGE, Kind.SYSTEM_PROPERTY, "auto, jni, ffm", "auto", true, NATIVE),
        new Entry(NATIVE_DIR, Kind.SYSTEM_PROPERTY, "a directory", "unset", false, NATIVE),
        new Entry(NATIVE_PATH, Kind.SYSTEM_PROPERTY, "a file", "unset", false, NATIVE),
        new Entry(RSEQ, Kind.ENVIRONMENT_VARIABLE, "off", "unset", false, NATIVE + " (libpercpu.so)"),
        new Entry(JAVA_IO_TMPDIR, Kind.SYSTEM_PROPERTY, "a directory", "the JDK's", false, NATIVE + ", " + CORE),
        new Entry(XDG_RUNTIME_DIR, Kind.ENVIRONMENT_VARIABLE, "a directory", "unset", false, NATIVE),
        new Entry(USER_HOME, Kind.SYSTEM_PROPERTY, "a directory", "the JDK's", false, NATIVE),
        new Entry(DEBUG, Kind.SYSTEM_PROPERTY, "true, false", "false", true, CORE),
        new Entry(DEBUG_STACK_TRACES, Kind.SYSTEM_PROPERTY, "an integer >= 0", "0", true, CORE),
        new Entry(STATS_DIR, Kind.SYSTEM_PROPERTY, "a directory", "`percpu-stats-<uid>` in `java.io.tmpdir`", false,
            CORE),
        new Entry(NETTY_MAX_MEMORY, Kind.SYSTEM_PROPERTY, "a size: 512m, 2g", "the direct memory limit, at least 256m",
            false, NETTY));

    private PercpuProperties() {
    }

    /** Every entry, in the order of the table in docs/api.md. */
    static List<Entry> entries() {
        return ENTRIES;
    }

    /**
     * The system property {@code name} as percpu reads it: its value trimmed, or, when it is unset or blank, its
     * default (null for a property whose default is not a value, e.g. {@link #NATIVE_DIR}).
     *
     * @throws IllegalArgumentException when {@code name} is not a system property of this class
     */
    public static String property(String name) {
        Entry entry = entry(name, Kind.SYSTEM_PROPERTY);
        return valueOrDefault(entry, System.getProperty(entry.name()));
    }

    /**
     * The environment variable {@code name} as percpu reads it: its value trimmed, or null when it is unset or
     * blank.
     *
     * @throws IllegalArgumentException when {@code name} is not an environment variable of this class
     */
    public static String environment(String name) {
        Entry entry = entry(name, Kind.ENVIRONMENT_VARIABLE);
        return valueOrDefault(entry, System.getenv(entry.name()));
    }

    private static String valueOrDefault(Entry entry, String value) {
        if (value != null && !value.isBlank()) {
            return value.trim();
        }
        return entry.literalDefault() ? entry.defaultValue() : null;
    }

    private static Entry entry(String name, Kind kind) {
        for (Entry entry : ENTRIES) {
            if (entry.name().equals(name)) {
                if (entry.kind() != kind) {
                    throw new IllegalArgumentException("percpu reads " + name + " as a " + entry.kind().label
                        + ", not as a " + kind.label);
                }
                return entry;
            }
        }
        throw new IllegalArgumentException(name + " is not a " + kind.label + " percpu reads (see PercpuProperties)");
    }
}
