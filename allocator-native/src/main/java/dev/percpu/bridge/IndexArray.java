package dev.percpu.bridge;

/**
 * An {@code int[]} of indices that its owner passes to batch calls again and
 * again (the allocator engine's scratch array, one per depot), together
 * with what the JVM's binding needs to pass it, made once with the array:
 * nothing for JNI, the array's heap segment for FFM. On FFM a batch call on
 * a plain {@code int[]} finds that segment in a per-thread cache and makes
 * it on the thread's first call with the array; a batch call on an
 * {@code IndexArray} allocates nothing, on any thread, from the first. Made
 * only by {@link StackCalls#newIndexArray(int)} of the binding
 * {@link Bridges#stacks()} chose, so its view is always that binding's.
 */
public final class IndexArray {
    private final int[] values;
    /** The binding's view of {@link #values}: null for JNI, a {@code MemorySegment} for FFM. */
    final Object view;

    IndexArray(int[] values, Object view) {
        this.values = values;
        this.view = view;
    }

    /** The indices themselves, read and written by the owner between batch calls. */
    public int[] values() {
        return values;
    }
}
