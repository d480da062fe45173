package dev.percpu.bridge;

import dev.percpu.properties.PercpuProperties;
import java.lang.reflect.InvocationTargetException;

/**
 * Chooses, once per JVM, the binding of the two families of critical
 * operations: {@link StackCalls} and {@link PrimitiveCalls}. Everything else
 * ({@link BlockCalls}, {@link MemoryCalls}, {@link RseqCalls}) is JNI on
 * every JDK.
 *
 * <p>The system property {@value PercpuProperties#BRIDGE} decides:
 * {@code auto} (the default) uses FFM critical downcalls on JDK 22+ when the multi-release jar
 * carries them ({@code META-INF/versions/22}), JNI otherwise; {@code jni}
 * forces JNI; {@code ffm} forces FFM and fails with
 * {@link IllegalStateException} where it is unavailable (JDK 21 or older,
 * or classes run from a directory rather than the multi-release jar).
 */
public final class Bridges {
    private static final String FFM_STACKS = "dev.percpu.bridge.FfmStackCalls";
    private static final String FFM_PRIMITIVES = "dev.percpu.bridge.FfmPrimitiveCalls";

    /** FFM only with the library loaded: where it cannot load, the JNI classes stand in (their calls throw). */
    private static final boolean FFM = NativeLibrary.tryLoad() == null
        && useFfm(PercpuProperties.property(PercpuProperties.BRIDGE));
    private static final StackCalls STACKS = FFM ? (StackCalls) ffm(FFM_STACKS) : new JniStackCalls();
    private static final PrimitiveCalls PRIMITIVES = FFM ? (PrimitiveCalls) ffm(FFM_PRIMITIVES)
        : new JniPrimitiveCalls();

    private Bridges() {
    }

    /** The stack operations of this JVM; loads the native library on first use. */
    public static StackCalls stacks() {
        return STACKS;
    }

    /** The research primitives' operations of this JVM. */
    public static PrimitiveCalls primitives() {
        return PRIMITIVES;
    }

    /** "jni" or "ffm": the binding of the critical operations. */
    public static String name() {
        return STACKS.name();
    }

    private static boolean useFfm(String requested) {
        switch (requested) {
            case "auto":
                return Runtime.version().feature() >= 22 && ffmClass(FFM_STACKS) != null;
            case "jni":
                return false;
            case "ffm":
                if (Runtime.version().feature() < 22 || ffmClass(FFM_STACKS) == null) {
                    throw new IllegalStateException(PercpuProperties.BRIDGE + "=ffm needs JDK 22+ and percpu's "
                        + "multi-release jar (the FFM bridge lives in META-INF/versions/22); this is JDK " + Runtime.version());
                }
                return true;
            default:
                throw new IllegalArgumentException(
                    PercpuProperties.BRIDGE + "=" + requested + " is not a known bridge (known: auto, jni, ffm)");
        }
    }

    private static Class<?> ffmClass(String name) {
        try {
            return Class.forName(name, false, Bridges.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static Object ffm(String name) {
        try {
            return ffmClass(name).getMethod("create").invoke(null);
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
