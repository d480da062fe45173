package dev.percpu.bridge;

/**
 * Chooses the {@link Bridge} implementation once per JVM. The system
 * property {@code percpu.bridge} forces one ({@code jni}); by default the
 * JNI binding is used.
 */
public final class Bridges {
    /** System property naming the bridge to use. */
    public static final String PROPERTY = "percpu.bridge";

    private static final Bridge INSTANCE = choose(System.getProperty(PROPERTY, "auto"));

    private Bridges() {
    }

    /** The bridge of this JVM; loads the native library on first use. */
    public static Bridge get() {
        return INSTANCE;
    }

    private static Bridge choose(String requested) {
        switch (requested) {
            case "auto":
            case "jni":
                return JniBridge.create();
            default:
                throw new IllegalArgumentException(
                    PROPERTY + "=" + requested + " is not a known bridge (known: auto, jni)");
        }
    }
}
