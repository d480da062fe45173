package dev.percpu;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A caller-owned handle that holds at most one buffer of a {@link BufferPool}
 * at a time: {@link BufferPool#acquire(PooledBuffer)} fills it,
 * {@link BufferPool#release(PooledBuffer)} empties it. Make one per
 * place that holds a buffer (a connection, a worker) and reuse it: the
 * handle, its {@link ByteBuffer} view and its {@link UnsafeBuffer} view are
 * re-pointed on every acquire, so steady-state acquire/release allocates
 * nothing.
 *
 * <p>The handle is the acquisition: it knows whether it holds a buffer and
 * from which pool, so releasing it twice, or to another pool, always throws
 * and leaves both pools intact. That holds for a handle used by one thread
 * at a time (hand it to another thread through a queue or any other
 * happens-before edge); it is not thread-safe, and the check is a plain
 * field read, not an atomic.
 *
 * <p>Views: {@link #byteBuffer()} is a direct {@link ByteBuffer} over the
 * slot, cleared (position 0, limit = capacity, big-endian) on acquire;
 * {@link #unsafeBuffer()} is an Agrona {@link UnsafeBuffer} (a
 * {@code MutableDirectBuffer} and {@code AtomicBuffer}) over the slot.
 * Agrona 2.x needs the JVM flag
 * {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED} for
 * {@code UnsafeBuffer}; it is loaded only when {@link #unsafeBuffer()} is
 * first called, so code that uses only {@link #byteBuffer()} needs no flag.
 * On release the views are emptied (the ByteBuffer's limit set to 0, the
 * UnsafeBuffer wrapped around an empty array), so a stale reference used
 * after release fails with an index exception. Each slot has one
 * ByteBuffer view for the life of the pool, so once the slot is handed out
 * again a stale ByteBuffer reference sees, and can write, the new owner's
 * buffer: do not keep views past release. After the pool is closed its
 * memory is unmapped and a view must not be touched at all.
 */
public final class PooledBuffer {
    private static final byte[] NOTHING = new byte[0];

    BufferPool pool;
    long address;
    int index;
    private int capacity;
    private ByteBuffer view;
    private UnsafeBuffer unsafe;

    /** An empty handle. */
    public PooledBuffer() {
    }

    /** Whether this handle holds a buffer now. */
    public boolean isAcquired() {
        return pool != null;
    }

    /** The pool of the buffer held, or {@code null} when empty. */
    public BufferPool pool() {
        return pool;
    }

    /**
     * Address of the buffer's first byte.
     *
     * @throws IllegalStateException when the handle holds no buffer
     */
    public long address() {
        ensureAcquired();
        return address;
    }

    /**
     * Size of the buffer in bytes (the pool's buffer size).
     *
     * @throws IllegalStateException when the handle holds no buffer
     */
    public int capacity() {
        ensureAcquired();
        return capacity;
    }

    /**
     * The NIO view of the buffer held: direct, cleared and big-endian at acquire.
     *
     * @throws IllegalStateException when the handle holds no buffer
     */
    public ByteBuffer byteBuffer() {
        ensureAcquired();
        return view;
    }

    /**
     * The Agrona view of the buffer held; the same object for the life of
     * this handle, re-wrapped on every acquire (made on the first call).
     * Needs {@code --add-opens java.base/jdk.internal.misc=ALL-UNNAMED}.
     *
     * @throws IllegalStateException when the handle holds no buffer
     */
    public UnsafeBuffer unsafeBuffer() {
        ensureAcquired();
        if (unsafe == null) {
            unsafe = new UnsafeBuffer(address, capacity);
        }
        return unsafe;
    }

    void fill(BufferPool pool, long address, int index, int capacity, ByteBuffer view) {
        this.pool = pool;
        this.address = address;
        this.index = index;
        this.capacity = capacity;
        this.view = view;
        if (unsafe != null) {
            unsafe.wrap(address, capacity);
        }
    }

    /** Empties the views and the handle before the slot goes back (after, the view may be another owner's); returns the view. */
    ByteBuffer empty() {
        ByteBuffer released = view;
        pool = null;
        released.limit(0);
        view = null;
        if (unsafe != null) {
            unsafe.wrap(NOTHING);
        }
        return released;
    }

    private void ensureAcquired() {
        if (pool == null) {
            throw new IllegalStateException("this PooledBuffer holds no buffer (never acquired, or released)");
        }
    }

    @Override
    public String toString() {
        return pool == null ? "PooledBuffer[empty]"
            : String.format("PooledBuffer[0x%x, %d bytes]", address, capacity);
    }
}
