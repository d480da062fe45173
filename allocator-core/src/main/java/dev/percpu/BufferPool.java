package dev.percpu;

import dev.percpu.runtime.Mode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Fixed-size off-heap buffers from a {@link SlabAllocator}, handed out into
 * caller-owned {@link PooledBuffer} handles with NIO {@link ByteBuffer} and
 * Agrona {@code UnsafeBuffer} views.
 *
 * <pre>
 *   PooledBuffer handle = new PooledBuffer();   // once, reused
 *   pool.acquire(handle);                       // slot from this CPU's freelist
 *   handle.byteBuffer().putLong(0, 42);         // or handle.unsafeBuffer()
 *   pool.release(handle);                       // slot back, handle empty
 * </pre>
 *
 * <p>No allocation in steady state: the handle is the caller's, the
 * ByteBuffer view of each slot is made once, the first time that slot is
 * handed out, and kept in an array indexed by slot (so views are made only
 * for slots in use, at most one per slot); the UnsafeBuffer view belongs to
 * the handle and is re-wrapped.
 *
 * <p>Misuse, always caught for a handle used by one thread at a time (no
 * atomic: the handle's own fields): {@link #release(PooledBuffer)} of an
 * empty handle (released twice, never acquired) throws
 * {@link IllegalStateException}; of a handle holding another pool's buffer
 * throws {@link IllegalArgumentException}; {@link #acquire(PooledBuffer)}
 * into a handle that still holds a buffer throws
 * {@link IllegalStateException}. In each case nothing changes in any pool.
 *
 * <p>Exhaustion: {@link #tryAcquire(PooledBuffer)} returns false,
 * {@link #acquire(PooledBuffer)} throws {@link PoolExhaustedException},
 * when no slot is free on any CPU or in the depot.
 *
 * <p>Threading: every method may be called from any thread; contention
 * behaves as in {@link SlabAllocator} (no lock on the fast path in
 * {@link Mode#RSEQ}). Closing: {@link #close()} closes the slab allocator
 * (later calls throw {@link IllegalStateException}) and unmaps the memory,
 * so a view still held must not be touched after it.
 */
public final class BufferPool implements AutoCloseable {
    private static final VarHandle VIEWS = MethodHandles.arrayElementVarHandle(ByteBuffer[].class);

    private final SlabAllocator slabs;
    private final SlotGeometry geometry;
    private final int bufferSize;
    /** The ByteBuffer view of each slot, made when the slot is first handed out. */
    private final ByteBuffer[] views;

    private BufferPool(SlabAllocator slabs) {
        this.slabs = slabs;
        this.geometry = slabs.geometry();
        this.bufferSize = slabs.slotSize();
        this.views = new ByteBuffer[slabs.config().slots()];
    }

    /**
     * A pool of {@code config.slots()} buffers of {@code config.slotSize()} bytes each; mode and
     * debug mode as configured.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     * @throws OutOfMemoryError when the region cannot be reserved
     */
    public static BufferPool create(SlabConfig config) {
        return new BufferPool(SlabAllocator.create(Objects.requireNonNull(config, "config")));
    }

    /**
     * Puts a free buffer into {@code into}; returns false, leaving it empty, when none is free.
     *
     * @throws IllegalStateException when {@code into} still holds a buffer, or after {@link #close()}
     */
    public boolean tryAcquire(PooledBuffer into) {
        if (into.pool != null) {
            throw new IllegalStateException(into + " still holds a buffer: release it before acquiring another");
        }
        long address = slabs.tryAllocate();
        if (address == 0) {
            return false;
        }
        int index = geometry.indexOfChecked(address);
        ByteBuffer view = (ByteBuffer) VIEWS.getAcquire(views, index);
        if (view == null) {
            view = slabs.slotView(address);
            VIEWS.setRelease(views, index, view);
        }
        view.clear().order(ByteOrder.BIG_ENDIAN);
        into.fill(this, address, index, bufferSize, view);
        return true;
    }

    /**
     * Puts a free buffer into {@code into}.
     *
     * @throws PoolExhaustedException when no buffer is free
     * @throws IllegalStateException when {@code into} still holds a buffer, or after {@link #close()}
     */
    public void acquire(PooledBuffer into) {
        if (!tryAcquire(into)) {
            throw new PoolExhaustedException("all " + views.length + " buffers of " + bufferSize + " bytes are in use");
        }
    }

    /**
     * Returns the buffer {@code buffer} holds and empties the handle.
     *
     * @throws IllegalStateException when the handle holds no buffer (released twice, never
     *     acquired), or after {@link #close()}
     * @throws IllegalArgumentException when it holds a buffer of another pool
     */
    public void release(PooledBuffer buffer) {
        BufferPool owner = buffer.pool;
        if (owner != this) {
            if (owner == null) {
                throw new IllegalStateException("release of an empty PooledBuffer: released twice, or never acquired");
            }
            throw new IllegalArgumentException(buffer + " belongs to another BufferPool");
        }
        long address = buffer.address;
        int index = buffer.index;
        ByteBuffer view = buffer.empty();
        try {
            slabs.free(address);
        } catch (RuntimeException e) {
            view.limit(bufferSize);
            buffer.fill(this, address, index, bufferSize, view);
            throw e;
        }
    }

    /** Bytes per buffer. */
    public int bufferSize() {
        return bufferSize;
    }

    /** Number of buffers. */
    public int capacity() {
        return views.length;
    }

    /** The mode of the underlying allocator. */
    public Mode mode() {
        return slabs.mode();
    }

    /**
     * A snapshot of the underlying allocator's counters.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats() {
        return slabs.stats();
    }

    /**
     * The underlying allocator's rebalancer for the application's duty cycle
     * ({@link SlabAllocator#maintenanceAgent()}).
     *
     * @throws IllegalStateException when the config has no rebalancer, or its rebalancer runs on its own thread
     */
    public MaintenanceAgent maintenanceAgent() {
        return slabs.maintenanceAgent();
    }

    /** Closes the underlying allocator (leak report in debug mode) and unmaps the buffers. Idempotent. */
    @Override
    public void close() {
        slabs.close();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return slabs.isClosed();
    }
}
