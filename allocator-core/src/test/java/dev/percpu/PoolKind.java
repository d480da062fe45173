package dev.percpu;

import dev.percpu.bridge.MemoryCalls;
import dev.percpu.runtime.Mode;
import java.util.ArrayList;
import java.util.List;

/**
 * Every pool type behind one small interface, so that {@link PoolContractTest}
 * can hold them all to the same rules. A "holder" is what a caller keeps
 * while it owns an item: an address ({@code Long}) for the allocators, a
 * {@link PooledBuffer} or a {@link PooledObject} for the pools.
 */
enum PoolKind {
    SLAB(false), SLAB_DEBUG(true), SIZE_CLASS(false), SIZE_CLASS_DEBUG(true), BUFFER(false), BUFFER_DEBUG(true), OBJECT(false);

    /** The items of every pool are 64 bytes (or objects); size classes serve 48-byte requests from their 48 B class. */
    static final int SIZE = 64;

    final boolean debug;

    PoolKind(boolean debug) {
        this.debug = debug;
    }

    /** Whether a release of an item already released is always caught. */
    boolean catchesDoubleRelease() {
        return debug || this == BUFFER || this == OBJECT;
    }

    /** A pool of {@code capacity} items with small per-CPU caches (so stealing and the depot are exercised). */
    Pool open(Mode mode, int capacity, List<LeakReport> leaks) {
        switch (this) {
            case SLAB:
            case SLAB_DEBUG: {
                SlabAllocator slabs = SlabAllocator.create(SlabConfig.builder().slotSize(SIZE).capacitySlots(capacity)
                    .perCpuCapacity(64).batchSize(16).mode(mode).debug(debug).leakHandler(leaks::add).build());
                return new Pool() {
                    @Override
                    public Object tryAcquire() {
                        long a = slabs.tryAllocate();
                        return a == 0 ? null : a;
                    }

                    @Override
                    public void release(Object holder) {
                        slabs.free((Long) holder);
                    }

                    @Override
                    public Object identity(Object holder) {
                        return holder;
                    }

                    @Override
                    public void mark(Object holder, long owner) {
                        MemoryCalls.view((Long) holder, 8).putLong(0, owner);
                    }

                    @Override
                    public long markOf(Object holder) {
                        return MemoryCalls.view((Long) holder, 8).getLong(0);
                    }

                    @Override
                    public SlabStats stats() {
                        return slabs.stats();
                    }

                    @Override
                    public Mode mode() {
                        return slabs.mode();
                    }

                    @Override
                    public void close() {
                        slabs.close();
                    }
                };
            }
            case SIZE_CLASS:
            case SIZE_CLASS_DEBUG: {
                SizeClassAllocator sizes = SizeClassAllocator.create(SizeClassConfig.builder().classSizes(16, 48)
                    .capacityBytesPerClass(48L * capacity).perCpuCacheBytes(48 * 64).mode(mode).debug(debug)
                    .leakHandler(leaks::add).build());
                int cls = sizes.classOf(48);
                return new Pool() {
                    @Override
                    public Object tryAcquire() {
                        long a = sizes.tryAllocate(40 + (int) (System.nanoTime() & 7));
                        return a == 0 ? null : a;
                    }

                    @Override
                    public void release(Object holder) {
                        sizes.free((Long) holder);
                    }

                    @Override
                    public Object identity(Object holder) {
                        return holder;
                    }

                    @Override
                    public void mark(Object holder, long owner) {
                        MemoryCalls.view((Long) holder, 8).putLong(0, owner);
                    }

                    @Override
                    public long markOf(Object holder) {
                        return MemoryCalls.view((Long) holder, 8).getLong(0);
                    }

                    @Override
                    public SlabStats stats() {
                        return sizes.stats(cls);
                    }

                    @Override
                    public Mode mode() {
                        return sizes.mode();
                    }

                    @Override
                    public void close() {
                        sizes.close();
                    }
                };
            }
            case BUFFER:
            case BUFFER_DEBUG: {
                BufferPool buffers = BufferPool.create(SlabConfig.builder().slotSize(SIZE).capacitySlots(capacity)
                    .perCpuCapacity(64).batchSize(16).mode(mode).debug(debug).leakHandler(leaks::add).build());
                return new Pool() {
                    @Override
                    public Object tryAcquire() {
                        PooledBuffer b = new PooledBuffer();
                        return buffers.tryAcquire(b) ? b : null;
                    }

                    @Override
                    public void release(Object holder) {
                        buffers.release((PooledBuffer) holder);
                    }

                    @Override
                    public Object identity(Object holder) {
                        return ((PooledBuffer) holder).address();
                    }

                    @Override
                    public void mark(Object holder, long owner) {
                        ((PooledBuffer) holder).byteBuffer().putLong(0, owner);
                    }

                    @Override
                    public long markOf(Object holder) {
                        return ((PooledBuffer) holder).byteBuffer().getLong(0);
                    }

                    @Override
                    public SlabStats stats() {
                        return buffers.stats();
                    }

                    @Override
                    public Mode mode() {
                        return buffers.mode();
                    }

                    @Override
                    public void close() {
                        buffers.close();
                    }
                };
            }
            case OBJECT: {
                ObjectPool<long[]> objects = ObjectPool.builder(() -> new long[1]).capacity(capacity).perCpuCapacity(64)
                    .mode(mode).build();
                return new Pool() {
                    @Override
                    public Object tryAcquire() {
                        PooledObject<long[]> o = new PooledObject<>();
                        return objects.tryAcquire(o) ? o : null;
                    }

                    @Override
                    @SuppressWarnings("unchecked")
                    public void release(Object holder) {
                        objects.release((PooledObject<long[]>) holder);
                    }

                    @Override
                    public Object identity(Object holder) {
                        return ((PooledObject<?>) holder).index;
                    }

                    @Override
                    public void mark(Object holder, long owner) {
                        ((long[]) ((PooledObject<?>) holder).get())[0] = owner;
                    }

                    @Override
                    public long markOf(Object holder) {
                        return ((long[]) ((PooledObject<?>) holder).get())[0];
                    }

                    @Override
                    public SlabStats stats() {
                        return objects.stats();
                    }

                    @Override
                    public Mode mode() {
                        return objects.mode();
                    }

                    @Override
                    public void close() {
                        objects.close();
                    }
                };
            }
            default:
                throw new AssertionError(this);
        }
    }

    /** One pool under test. */
    interface Pool extends AutoCloseable {
        /** A holder of a fresh item, or null when the pool is exhausted. */
        Object tryAcquire();

        void release(Object holder);

        /** Equal for holders of the same item, distinct otherwise. */
        Object identity(Object holder);

        /** Stores an owner mark in the item. */
        void mark(Object holder, long owner);

        long markOf(Object holder);

        SlabStats stats();

        Mode mode();

        @Override
        void close();

        /** Acquires up to n items. */
        default List<Object> acquireAll(int n) {
            List<Object> held = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Object h = tryAcquire();
                if (h == null) {
                    break;
                }
                held.add(h);
            }
            return held;
        }
    }
}
