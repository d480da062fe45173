package dev.percpu;

import dev.percpu.engine.IndexPool;
import dev.percpu.runtime.Mode;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A fixed set of on-heap objects, made up front by a factory, handed out
 * into caller-owned {@link PooledObject} handles from per-CPU freelists of
 * their indices: the same native per-CPU stacks and depot as
 * {@link SlabAllocator} (the engine's {@code IndexPool}), over an array of objects
 * instead of a region of memory.
 *
 * <pre>
 *   ObjectPool&lt;Msg&gt; pool = ObjectPool.builder(Msg::new).capacity(1024).reset(Msg::clear).build();
 *   PooledObject&lt;Msg&gt; handle = new PooledObject&lt;&gt;();   // once, reused
 *   pool.acquire(handle);
 *   Msg msg = handle.get();
 *   pool.release(handle);                                 // reset hook runs, index goes back
 * </pre>
 *
 * <p>Index recovery: the handle carries the index, so release pushes it
 * back with no lookup. No allocation in steady state.
 *
 * <p>Exhaustion: fail fast. {@link #tryAcquire(PooledObject)} returns
 * false and {@link #acquire(PooledObject)} throws
 * {@link PoolExhaustedException} when every object is out (after the depot
 * and every CPU's stack were found empty); no object is ever made after
 * construction.
 *
 * <p>Misuse, always caught for a handle used by one thread at a time:
 * release of an empty handle (released twice, never acquired) throws
 * {@link IllegalStateException}, of another pool's handle
 * {@link IllegalArgumentException}; acquire into a handle that holds an
 * object throws {@link IllegalStateException}. Nothing changes then.
 *
 * <p>Reset hook: runs on the releasing thread in {@link #release(PooledObject)},
 * before the object goes back; if it throws, the exception propagates and
 * the handle still holds the object.
 *
 * <p>Threading: every method may be called from any thread; no lock on the
 * fast path in {@link Mode#RSEQ}, slow paths (refill, flush, steal) take the
 * depot lock. After {@link #close()} every call throws
 * {@link IllegalStateException}; the objects stay on the heap until the
 * pool is unreachable.
 *
 * @param <T> the pooled type
 */
public final class ObjectPool<T> implements AutoCloseable {
    private final IndexPool pool;
    private final Object[] objects;
    private final Consumer<? super T> reset;

    private ObjectPool(Builder<T> b) {
        this.objects = new Object[b.capacity];
        for (int i = 0; i < objects.length; i++) {
            objects[i] = Objects.requireNonNull(b.factory.get(), "the factory returned null");
        }
        this.reset = b.reset;
        this.pool = new IndexPool("ObjectPool", b.options.resolvedMode(), b.capacity, b.perCpuCapacity,
            b.perCpuCapacity, ConfigRules.batchSize(null, b.perCpuCapacity));
    }

    /** A builder for a pool of objects made by {@code factory}. */
    public static <T> Builder<T> builder(Supplier<? extends T> factory) {
        return new Builder<>(Objects.requireNonNull(factory, "factory"));
    }

    /**
     * Puts a free object into {@code into}; returns false, leaving it empty, when every object is out.
     *
     * @throws IllegalStateException when {@code into} still holds an object, or after {@link #close()}
     */
    @SuppressWarnings("unchecked")
    public boolean tryAcquire(PooledObject<T> into) {
        if (into.pool != null) {
            throw new IllegalStateException(into + " still holds an object: release it before acquiring another");
        }
        int r = pool.stacks().pop();
        int index = r >= 0 ? r : pool.popSlow(r);
        if (index < 0) {
            return false;
        }
        into.index = index;
        into.value = (T) objects[index];
        into.pool = this;
        return true;
    }

    /**
     * Puts a free object into {@code into}.
     *
     * @throws PoolExhaustedException when every object is out
     * @throws IllegalStateException when {@code into} still holds an object, or after {@link #close()}
     */
    public void acquire(PooledObject<T> into) {
        if (!tryAcquire(into)) {
            throw new PoolExhaustedException("all " + objects.length + " objects are in use");
        }
    }

    /**
     * Runs the reset hook on the object {@code held} holds, returns it to the pool and empties the handle.
     *
     * @throws IllegalStateException when the handle holds no object (released twice, never
     *     acquired), or after {@link #close()}
     * @throws IllegalArgumentException when it holds an object of another pool
     */
    public void release(PooledObject<T> held) {
        ObjectPool<T> owner = held.pool;
        if (owner != this) {
            if (owner == null) {
                throw new IllegalStateException("release of an empty PooledObject: released twice, or never acquired");
            }
            throw new IllegalArgumentException(held + " belongs to another ObjectPool");
        }
        if (reset != null) {
            reset.accept(held.value);
        }
        int r = pool.stacks().push(held.index);
        if (r != 0) {
            pool.pushSlow(held.index, r);
        }
        held.pool = null;
        held.value = null;
    }

    /** Number of objects. */
    public int capacity() {
        return objects.length;
    }

    /** The mode this pool runs in: {@link Mode#RSEQ} or {@link Mode#FALLBACK}. */
    public Mode mode() {
        return pool.mode();
    }

    /**
     * A snapshot of the counters (slot size reported as 0).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats() {
        return new SlabStats(pool.snapshot(), 0);
    }

    /**
     * Moves every index cached by every CPU into the depot; returns how many.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public long drain() {
        return pool.drain();
    }

    /** Stops the per-CPU stacks; every later call throws {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        pool.close(() -> { });
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return pool.isClosed();
    }

    /**
     * Settings of an {@link ObjectPool}; {@link #build()} checks them and makes the pool. Not thread-safe.
     *
     * @param <T> the pooled type
     */
    public static final class Builder<T> {
        private final Supplier<? extends T> factory;
        private int capacity = -1;
        private Consumer<? super T> reset;
        private final PoolOptions.Builder options = PoolOptions.builder();
        private int perCpuCapacity = SlabConfig.DEFAULT_PER_CPU_CAPACITY;

        private Builder(Supplier<? extends T> factory) {
            this.factory = factory;
        }

        /** Number of objects, all made by {@link #build()}: 1 to {@value SlabConfig#MAX_SLOTS}. Required. */
        public Builder<T> capacity(int count) {
            this.capacity = count;
            return this;
        }

        /** Runs on every released object before it goes back (default: none). */
        public Builder<T> reset(Consumer<? super T> hook) {
            this.reset = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /**
         * The mode (see {@link PoolOptions.Builder#mode(Mode)}). The pool takes no other setting of
         * {@link PoolOptions}: it has no debug mode, and {@code percpu.debug} does not apply to it.
         */
        public Builder<T> mode(Mode mode) {
            options.mode(mode);
            return this;
        }

        /** Objects one CPU's stack may cache (default {@value SlabConfig#DEFAULT_PER_CPU_CAPACITY}). */
        public Builder<T> perCpuCapacity(int count) {
            this.perCpuCapacity = count;
            return this;
        }

        /**
         * Makes every object with the factory, then the per-CPU stacks.
         *
         * @throws IllegalArgumentException naming the first setting out of its limits
         * @throws NullPointerException when the factory returns null
         * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
         */
        public ObjectPool<T> build() {
            ConfigRules.slots("capacity", capacity, " (required)");
            ConfigRules.perCpuCapacity("perCpuCapacity", perCpuCapacity);
            return new ObjectPool<>(this);
        }
    }
}
