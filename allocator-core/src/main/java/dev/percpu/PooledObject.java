package dev.percpu;

/**
 * A caller-owned handle that holds at most one object of an
 * {@link ObjectPool} at a time: {@link ObjectPool#acquire(PooledObject)}
 * fills it, {@link ObjectPool#release(PooledObject)} empties it. Make one
 * per place that holds an object and reuse it; acquire and release then
 * allocate nothing.
 *
 * <p>The handle carries the object's index in the pool, so release needs no
 * lookup, and it is the acquisition: it knows whether it holds an object
 * and from which pool, so releasing it twice, or to another pool, always
 * throws and leaves both pools intact. That holds for a handle used by one
 * thread at a time (hand it over with a happens-before edge); it is not
 * thread-safe, and the check is a plain field read, not an atomic.
 *
 * @param <T> the pooled type
 */
public final class PooledObject<T> {
    ObjectPool<T> pool;
    int index;
    T value;

    /** An empty handle. */
    public PooledObject() {
    }

    /**
     * The object held. Do not keep it past {@link ObjectPool#release(PooledObject)}.
     *
     * @throws IllegalStateException when the handle holds no object
     */
    public T get() {
        if (pool == null) {
            throw new IllegalStateException("this PooledObject holds no object (never acquired, or released)");
        }
        return value;
    }

    /** Whether this handle holds an object now. */
    public boolean isAcquired() {
        return pool != null;
    }

    /** The pool of the object held, or {@code null} when empty. */
    public ObjectPool<T> pool() {
        return pool;
    }

    @Override
    public String toString() {
        return pool == null ? "PooledObject[empty]" : "PooledObject[" + index + ": " + value + "]";
    }
}
