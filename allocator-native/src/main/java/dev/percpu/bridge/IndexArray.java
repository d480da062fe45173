package dev.percpu.bridge;

/**
 * An {@code int[]} of indices that its owner passes to batch calls again and
 * again (the allocator engine's one per depot), together with what the
 * binding needs to pass it, made once when the array is made: nothing for
 * JNI, the array's heap segment for FFM. A batch call on a plain
 * {@code int[]} finds that segment in a per-thread cache, and makes it on
 * the thread's first call with the array; an {@code IndexArray} makes every
 * call allocate nothing, on any thread, from the first. Made only by
 * {@link StackCalls#newIndexArray(int)}, so it always carries the view of
 * the binding that passes it.
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
