package dev.percpu;

import dev.percpu.engine.IndexPool;
import dev.percpu.engine.MemoryBudget;
import dev.percpu.engine.PerCpuStacks;
import dev.percpu.engine.RebalanceSettings;
import dev.percpu.engine.Rebalancer;
import dev.percpu.engine.Region;
import dev.percpu.engine.SlotMemory;
import dev.percpu.engine.Trimmer;
import dev.percpu.properties.PercpuProperties;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.agrona.concurrent.AgentRunner;

/**
 * Fixed-size slots of off-heap memory from per-CPU freelists.
 *
 * <p>One allocator owns one region of {@code slots x slotSize} bytes,
 * reserved up front ({@code mmap} with {@code MAP_NORESERVE}; pages are
 * committed by the kernel when first written) and unmapped by
 * {@link #close()}. Free slots are kept as 32-bit indices in per-CPU stacks
 * (native memory, see {@code docs/design.md}) and in a shared depot; the
 * engine's {@code IndexPool} drives both, over its {@code PerCpuStacks}:
 *
 * <pre>
 *   allocate/free  --(rseq section or per-CPU try-lock)-->  CPU stack of the calling thread's CPU
 *        |  empty on allocate: refill a batch from the depot
 *        |  full on free: flush a batch to the depot
 *        |  no rseq registration, restart bound hit, stack stopped: use the depot directly
 *        v
 *   depot (lock)  --empty-->  steal a batch from another CPU's stack (remote take)  --none-->  exhausted
 * </pre>
 *
 * <p>Exhaustion: {@link #tryAllocate()} returns {@code 0}, {@link #allocate()}
 * throws {@link PoolExhaustedException}; both only after the depot and every
 * CPU's stack were found empty. Slots cached by other CPUs are reached by
 * stealing, or moved to the depot in bulk by {@link #drain()}.
 *
 * <p>Bad input: {@link #free(long)} rejects, with {@link IllegalArgumentException}
 * and without touching the pool, an address outside the region, off a slot
 * boundary, or of a slot never handed out. A double free of a valid slot
 * address is the caller's error, as with {@code free(3)}: it is not detected
 * and puts the slot on a freelist twice, unless debug mode is on
 * ({@link SlabConfig.Builder#debug(boolean)}), which rejects it with
 * {@link IllegalArgumentException}, poisons freed slots, checks the poison
 * on allocation ({@link IllegalStateException} on a write after free) and
 * reports leaks at {@link #close()}.
 *
 * <p>Threading: every method may be called from any thread at any time. The
 * fast path (allocate/free hitting the current CPU's stack) takes no lock in
 * {@link Mode#RSEQ}; slow paths serialise on the depot lock.
 *
 * <p>Closing: {@link #close()} stops every CPU stack for good (so no
 * operation can commit on it any more), unmaps the region and the slot
 * arrays, and keeps only the block's header page mapped (128 bytes per
 * possible CPU plus one line, rounded up to a page) for the rest of the process, so that a
 * call racing with close reads valid memory, finds its stack stopped, and
 * then throws {@link IllegalStateException}. The fast path has no open/closed
 * check at all. An address returned by a call that raced with close is
 * invalid like every other address of the closed pool.
 */
public final class SlabAllocator implements AutoCloseable {
    /** Name of the {@link System.Logger} allocators log their configuration (DEBUG) and leaks to. */
    public static final String LOGGER = "dev.percpu";
    private final SlabConfig config;
    private final IndexPool pool;
    /** {@code pool.stacks()}: the fast path calls it directly (see {@link IndexPool#stacks()}). */
    private final PerCpuStacks stacks;
    private final Region region;
    private final SlotGeometry geometry;
    private final AddressBatches batches;
    /** Debug mode: the one check the fast path pays when it is off. */
    private final boolean debug;
    private final SlotDebugger debugger;
    /** Null in debug mode (free slots keep their poison). */
    private final Trimmer trimmer;
    /** The rebalancer's own thread; null without a rebalancer or when the application runs it. */
    private AgentRunner rebalancer;
    /** The rebalancer for the application to run; null unless configured so. */
    private MaintenanceAgent maintenanceAgent;

    private SlabAllocator(SlabConfig config, Region region, IndexPool pool) {
        this.config = config;
        this.region = region;
        this.pool = pool;
        this.stacks = pool.stacks();
        this.geometry = new SlotGeometry(region.address(), config.regionBytes(), config.slotSize());
        this.batches = new AddressBatches(pool, geometry);
        this.debug = config.options().debug();
        this.debugger = debug
            ? new SlotDebugger(region, geometry, pool, config.slots(), config.options().debugStackTraces()) : null;
        this.trimmer = debug ? null : new Trimmer(pool, config.slotSize());
    }

    /**
     * Reserves the region and the per-CPU stacks described by {@code config}, and starts its rebalancer if it has one.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     * @throws OutOfMemoryError when the region cannot be reserved
     */
    public static SlabAllocator create(SlabConfig config) {
        Objects.requireNonNull(config, "config");
        Region region = Region.map(config.regionBytes());
        IndexPool pool;
        try {
            pool = newPool(config, new SlotMemory(region, config.slotSize(), new MemoryBudget(Long.MAX_VALUE), false));
        } catch (RuntimeException | Error e) {
            region.unmap();
            throw e;
        }
        SlabAllocator allocator = new SlabAllocator(config, region, pool);
        allocator.startRebalancer();
        logBuilt("SlabAllocator", allocator.mode(), config);
        return allocator;
    }

    /**
     * Logs an allocator's effective configuration once, at DEBUG, to the {@link System.Logger}
     * {@value #LOGGER}: its mode, the bridge, the building thread's registration, and its settings
     * (sizes, caps, capacities, rebalancer, debug).
     */
    static void logBuilt(String kind, Mode mode, Object config) {
        System.Logger log = System.getLogger(LOGGER);
        if (log.isLoggable(System.Logger.Level.DEBUG)) {
            log.log(System.Logger.Level.DEBUG, "percpu " + kind + " built: mode " + mode + ", bridge "
                + PercpuRuntime.bridge() + ", registration of thread " + Thread.currentThread().getName() + " "
                + PercpuRuntime.registration() + ", " + config);
        }
    }

    /**
     * An allocator whose slots lie in {@code region}, address space the caller reserved
     * ({@link Region#reserve}) and unmaps after {@link #close()}; its memory is committed chunk by
     * chunk against {@code budget} (used by {@link SizeClassAllocator}).
     */
    static SlabAllocator createIn(SlabConfig config, Region region, MemoryBudget budget) {
        SlabAllocator allocator = new SlabAllocator(config, region,
            newPool(config, new SlotMemory(region, config.slotSize(), budget, true)));
        allocator.startRebalancer();
        return allocator;
    }

    private static IndexPool newPool(SlabConfig config, SlotMemory memory) {
        return new IndexPool("SlabAllocator", memory, config.options().mode(), config.slots(),
            config.perCpuCapacity(), config.maxPerCpuCapacity(), config.batchSize());
    }

    /** Starts the rebalancer on its own thread, or makes it the agent the application runs (see {@link RebalancerConfig#runner()}). */
    private void startRebalancer() {
        config.rebalancer().ifPresent(r -> {
            Rebalancer agent = new Rebalancer(pool, trimmer, new RebalanceSettings(r.period().toNanos(),
                r.idleDrainAfter().toNanos(), r.lowWatermark(), r.highWatermark(), r.trimAboveBytes(),
                config.minPerCpuCapacity(), config.maxPerCpuCapacity(), config.batchSize()));
            MaintenanceRunner runner = r.runner();
            if (runner.isApplication()) {
                maintenanceAgent = new MaintenanceAgent(agent, pool::isClosed);
            } else {
                rebalancer = agent.start(r.newIdleStrategy(), runner.threadFactory().orElse(null),
                    runner.errorHandler().orElse(null));
            }
        });
    }

    /**
     * The rebalancer as an Agrona agent for the application's duty cycle, when
     * {@link RebalancerConfig.Builder#runner} is {@link MaintenanceRunner#application()}: this
     * allocator then started no thread, and nothing rebalances it unless the application runs this
     * agent (see {@link MaintenanceAgent} for the duty cycle and for close). The same agent on every call.
     *
     * @throws IllegalStateException when this allocator has no rebalancer, or its rebalancer runs on its own thread
     */
    public MaintenanceAgent maintenanceAgent() {
        if (maintenanceAgent == null) {
            throw new IllegalStateException(config.rebalancer().isEmpty()
                ? "this allocator has no rebalancer: SlabConfig.Builder.rebalancer(...) with "
                    + "RebalancerConfig.Builder.runner(MaintenanceRunner.application())"
                : "this allocator's rebalancer runs on its own thread; RebalancerConfig.Builder.runner("
                    + "MaintenanceRunner.application()) hands it to the application instead");
        }
        return maintenanceAgent;
    }

    /** The mode this allocator runs in: {@link Mode#RSEQ} or {@link Mode#FALLBACK}, never AUTO. */
    public Mode mode() {
        return pool.mode();
    }

    /** The binding of the fast native calls: "jni" or "ffm". */
    public String bridgeName() {
        return PercpuRuntime.bridge();
    }

    /** The configuration this allocator was made from. */
    public SlabConfig config() {
        return config;
    }

    /** Number of per-CPU stacks: the possible CPUs of this machine. */
    public int cpus() {
        return pool.cpus();
    }

    /** Bytes per slot. */
    public int slotSize() {
        return geometry.slotSize();
    }

    /** Start address of the region; slot {@code i} is at {@code regionAddress() + i * slotSize()}. */
    public long regionAddress() {
        return geometry.region();
    }

    /** Size of the region in bytes. */
    public long regionBytes() {
        return geometry.regionBytes();
    }

    /**
     * Bytes of the region resident in memory now (measured with {@code mincore}): what the
     * slots cost in RSS, as opposed to the reserved {@link #regionBytes()}.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public long residentBytes() {
        pool.ensureOpen();
        return region.residentBytes();
    }

    /** Whether debug mode is on ({@link SlabConfig.Builder#debug(boolean)}). */
    public boolean isDebug() {
        return debug;
    }

    /**
     * A direct {@link ByteBuffer} over the slot at {@code address}: position 0, limit and capacity
     * the slot size, big-endian (as every new ByteBuffer). The view stays valid while the
     * allocator is open; whoever holds it must stop using it when the slot is freed.
     *
     * @throws IllegalArgumentException when {@code address} is not a slot of this allocator that was handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuffer slotView(long address) {
        geometry.indexOf(address, pool.carved());
        pool.ensureOpen();
        return region.view(address, geometry.slotSize()).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * The view {@link #slotView(long)} gives, of slot {@code index} whether handed out yet or not: for an
     * owner that makes its per-slot objects ahead of the slots' first use. Nothing may touch the view's
     * memory before the slot is handed out.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not in {@code [0, slots)}
     * @throws IllegalStateException after {@link #close()}
     */
    ByteBuffer slotViewAhead(int index) {
        long address = slotAddressAhead(index);
        pool.ensureOpen();
        return region.view(address, geometry.slotSize()).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * The address of slot {@code index}, handed out yet or not.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not in {@code [0, slots)}
     */
    long slotAddressAhead(int index) {
        Objects.checkIndex(index, config.slots());
        return geometry.address(index);
    }

    /**
     * A free slot's address, or {@code 0} when the pool is exhausted.
     *
     * @throws IllegalStateException after {@link #close()}; in debug mode also when the slot
     *     about to be handed out was written after it was freed (the message names its address)
     */
    public long tryAllocate() {
        int index = tryTake();
        return index < 0 ? 0L : geometry.address(index);
    }

    /**
     * A free slot's index, or -1 when the pool is exhausted: {@link #tryAllocate()} without the
     * address, for an owner that keeps per-slot data by index.
     *
     * @throws IllegalStateException as {@link #tryAllocate()}
     */
    int tryTake() {
        int r = stacks.pop();
        int index = r >= 0 ? r : pool.popSlow(r);
        if (debug && index >= 0) {
            debugger.checkAllocated(index, geometry.address(index));
        }
        return index;
    }

    /**
     * A free slot's address.
     *
     * @throws PoolExhaustedException when no slot is free anywhere
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after free
     */
    public long allocate() {
        long address = tryAllocate();
        if (address == 0) {
            String cause = pool.exhaustionCause();
            throw new PoolExhaustedException(cause.isEmpty()
                ? "all " + config.slots() + " slots of " + geometry.slotSize() + " bytes are in use"
                : "no free slot of " + geometry.slotSize() + " bytes, and " + cause);
        }
        return address;
    }

    /**
     * Fills {@code dst[0 .. n)} with free slots' addresses; returns how many
     * (fewer than {@code n} only when the pool ran out).
     *
     * @throws IndexOutOfBoundsException when {@code n} is negative or exceeds {@code dst.length}
     * @throws IllegalStateException after {@link #close()} (also for {@code n == 0}); in debug mode also on a
     *     write after free, and then every slot of this call is freed again
     */
    public int allocate(long[] dst, int n) {
        Objects.checkFromIndexSize(0, n, dst.length);
        if (n == 0) {
            pool.ensureOpen();
            return 0;
        }
        if (debug) {
            return allocateOneByOne(dst, n);
        }
        return batches.allocate(dst, n);
    }

    /**
     * Returns a slot.
     *
     * @throws IllegalArgumentException when {@code address} is not a slot of this allocator that
     *     was handed out; in debug mode also when it is free already (double free)
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long address) {
        int index = geometry.indexOf(address, pool.carved());
        if (debug) {
            debugger.free(index, address);
        }
        push(index);
    }

    /**
     * Returns slot {@code index}, which {@link #tryTake()} handed out: {@link #free(long)} for an
     * owner that keeps slots by index (the index is trusted; debug mode still catches a double free).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    void giveBack(int index) {
        if (debug) {
            debugger.free(index, geometry.address(index));
        }
        push(index);
    }

    private void push(int index) {
        int r = stacks.push(index);
        if (r != 0) {
            pool.pushSlow(index, r);
        }
    }

    /**
     * Returns {@code src[0 .. n)}. Every address is checked before any is
     * freed: one bad address rejects the whole call and frees nothing (in
     * debug mode this includes an address that is free already, or twice in
     * {@code src}).
     *
     * @throws IndexOutOfBoundsException when {@code n} is negative or exceeds {@code src.length}
     * @throws IllegalArgumentException when an address is not a slot of this allocator that was handed out
     * @throws IllegalStateException after {@link #close()} (also for {@code n == 0})
     */
    public void free(long[] src, int n) {
        Objects.checkFromIndexSize(0, n, src.length);
        if (n == 0) {
            pool.ensureOpen();
            return;
        }
        if (debug) {
            geometry.checkAll(src, n, pool.carved());
            debugger.freeAll(src, n);
            batches.freeChecked(src, n);
        } else {
            batches.free(src, n);
        }
    }

    /**
     * Moves every slot cached by every CPU's stack into the depot (in rseq
     * mode: stop, membarrier fence, take, resume, per CPU). Useful before
     * measuring, or to hand memory cached by idle CPUs to the busy ones.
     *
     * @return the number of slots moved
     * @throws IllegalStateException after {@link #close()}
     */
    public long drain() {
        return pool.drain();
    }

    /**
     * A snapshot of the counters; see {@link SlabStats} for which are exact.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats() {
        return new SlabStats(pool.snapshot(), geometry.slotSize());
    }

    /**
     * The slots allocated and not freed right now, with their allocation
     * sites where recorded. Exact when no other thread allocates or frees.
     *
     * @throws IllegalStateException when debug mode is off, or after {@link #close()}
     */
    public LeakReport leaks() {
        if (!debug) {
            throw new IllegalStateException("leaks() needs debug mode: SlabConfig.Builder.debug(true) or -D"
                + PercpuProperties.DEBUG + "=true");
        }
        pool.ensureOpen();
        return debugger.leaks(config.toString());
    }

    /**
     * Stops the rebalancer's own thread and the per-CPU stacks, unmaps the region, and makes every later
     * call throw {@link IllegalStateException}. Idempotent: closing a closed
     * allocator does nothing. In debug mode, when slots are still allocated,
     * their {@link LeakReport} goes to the configured leak handler first
     * (on this thread; an exception from the handler propagates after the
     * allocator is closed).
     */
    @Override
    public void close() {
        if (rebalancer != null) {
            rebalancer.close();
        }
        LeakReport[] leaked = new LeakReport[1];
        pool.close(() -> {
            try {
                if (debug) {
                    debugger.close();
                    LeakReport report = debugger.leaks(config.toString());
                    leaked[0] = report.count() > 0 ? report : null;
                }
            } finally {
                region.unmap();
            }
        });
        if (leaked[0] != null) {
            config.options().leakHandler().accept(leaked[0]);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return pool.isClosed();
    }

    /**
     * Returns to the kernel the pages of the region that hold only free
     * slots of the depot ({@code madvise(MADV_DONTNEED)}). The slots stay
     * free and usable: the kernel commits fresh zeroed pages when they are
     * written again. Slots cached on CPU stacks are not trimmed; call
     * {@link #drain()} first to include them. In debug mode nothing is
     * trimmed (free slots must keep their poison pattern).
     *
     * @return bytes of resident memory released (measured with {@code mincore})
     * @throws IllegalStateException after {@link #close()}
     */
    public long trim() {
        if (trimmer == null) {
            pool.ensureOpen();
            return 0;
        }
        return trimmer.trim();
    }

    /** The pool, for {@link SizeClassAllocator}'s hand-back agent. */
    IndexPool pool() {
        return pool;
    }

    /** The trimmer, for {@link SizeClassAllocator}'s hand-back agent; null in debug mode. */
    Trimmer trimmer() {
        return trimmer;
    }

    /** The slot geometry, for {@link BufferPool}. */
    SlotGeometry geometry() {
        return geometry;
    }

    /** Debug mode batch allocation: slot by slot, so that a corrupt slot gives back the ones taken before it. */
    private int allocateOneByOne(long[] dst, int n) {
        int done = 0;
        try {
            while (done < n) {
                long address = tryAllocate();
                if (address == 0) {
                    break;
                }
                dst[done++] = address;
            }
            return done;
        } catch (RuntimeException e) {
            try {
                free(dst, done);
            } catch (RuntimeException closed) {
                e.addSuppressed(closed);
            }
            throw e;
        }
    }
}
