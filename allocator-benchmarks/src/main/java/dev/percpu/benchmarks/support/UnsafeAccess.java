package dev.percpu.benchmarks.support;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * The JDK's {@code sun.misc.Unsafe} instance, for the baselines that measure
 * {@code Unsafe.allocateMemory}/{@code freeMemory} or free direct buffers
 * with {@code Unsafe.invokeCleaner}.
 */
public final class UnsafeAccess {
    private UnsafeAccess() {
    }

    /** {@code Unsafe.theUnsafe}, read by reflection. */
    public static Unsafe unsafe() {
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Unsafe.theUnsafe is not readable", e);
        }
    }
}
