package dev.percpu.bridge;

import java.lang.reflect.InvocationTargetException;

/**
 * Chooses the {@link Bridge} implementation once per JVM.
 *
 * <p>The system property {@value #PROPERTY} decides: {@code auto} (the
 * default) uses the FFM bridge on JDK 22+ when the multi-release jar
 * carries it ({@code META-INF/versions/22}), JNI otherwise; {@code jni}
 * forces JNI; {@code ffm} forces FFM and fails with
 * {@link IllegalStateException} where it is unavailable (JDK 21 or older,
 * or classes run from a directory rather than the multi-release jar).
 * {@link Bridge#name()} tells which one runs.
 */
public final class Bridges {
    /** System property naming the bridge to use. */
    public static final String PROPERTY = "percpu.bridge";
    private static final String FFM_CLASS = "dev.percpu.bridge.FfmBridge";

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
                return Runtime.version().feature() >= 22 && ffmClass() != null ? ffm() : JniBridge.create();
            case "jni":
                return JniBridge.create();
            case "ffm":
                if (Runtime.version().feature() < 22 || ffmClass() == null) {
                    throw new IllegalStateException(PROPERTY + "=ffm needs JDK 22+ and percpu's multi-release jar "
                        + "(the FFM bridge lives in META-INF/versions/22); this is JDK " + Runtime.version());
                }
                return ffm();
            default:
                throw new IllegalArgumentException(
                    PROPERTY + "=" + requested + " is not a known bridge (known: auto, jni, ffm)");
        }
    }

    private static Class<?> ffmClass() {
        try {
            return Class.forName(FFM_CLASS, false, Bridges.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static Bridge ffm() {
        try {
            return (Bridge) ffmClass().getMethod("create").invoke(null);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException("creating the FFM bridge failed", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("creating the FFM bridge failed", e);
        }
    }
}
