package dev.percpu.examples.shared;

import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.netty.PercpuByteBufAllocatorBuilder;
import dev.percpu.runtime.Mode;
import dev.percpu.stats.StatsPublisher;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Locale;

/**
 * A Netty {@link ByteBufAllocator} chosen by name, with the figure each one
 * gives of its own off-heap memory: the one place where the server, the
 * pipeline and the benchmarks (allocator-benchmarks) build the allocators they
 * compare. Names are matched without regard to case or hyphens, so a JMH
 * parameter may spell {@code pooled-all-threads} as {@code pooledAllThreads}.
 * Names and settings:
 * <ul>
 *   <li>{@code percpu}: {@link PercpuByteBufAllocator} with the default size
 *       classes (16 B to 1 MiB) and per-CPU cache, the given memory cap, the
 *       given mode. Own memory: <em>in use</em> =
 *       {@code pooledInUseBytes()} (size-class and large blocks handed out
 *       and not released), <em>held</em> = {@code metric().usedDirectMemory()} (size
 *       class memory used so far, whether in use, cached per CPU or in the
 *       depots, plus the large path).</li>
 *   <li>{@code percpu-default}: {@link PercpuByteBufAllocator#DEFAULT}, as a
 *       drop-in gets it: mode from {@code percpu.mode} (rseq where the kernel
 *       has it), cap from the JVM's direct memory limit; the mode and cap
 *       given here do not apply, and {@link #close()} leaves it open.</li>
 *   <li>{@code pooled}: {@code new PooledByteBufAllocator(true)}, Netty's
 *       defaults: thread caches only on event-loop
 *       ({@code FastThreadLocalThread}) threads.</li>
 *   <li>{@code pooled-default}: {@link PooledByteBufAllocator#DEFAULT}, the
 *       shared instance with the same defaults (direct buffers preferred where
 *       Netty can use {@code Unsafe}).</li>
 *   <li>{@code pooled-all-threads}: {@code pooled} with
 *       {@code useCacheForAllThreads = true}: a thread cache for every thread
 *       that allocates (worker threads, JMH's threads).</li>
 *   <li>{@code pooled-direct-cached}: direct arenas only (no heap arenas),
 *       Netty's default arena count, page size, max order (4 MiB chunks) and
 *       thread-cache sizes (256 small, 64 normal entries), and
 *       {@code useCacheForAllThreads = true}.</li>
 *   <li>{@code pooled-direct-uncached}: the same arenas with cache sizes 0 and
 *       {@code useCacheForAllThreads = false}: every allocation and every
 *       release goes to the thread's arena.</li>
 *   <li>{@code adaptive}: {@code new AdaptiveByteBufAllocator()}, Netty 4.2's
 *       default.</li>
 *   <li>{@code unpooled-direct}: {@code new UnpooledByteBufAllocator(true, true, false)}:
 *       a {@code ByteBuffer.allocateDirect} per buffer, freed at release.</li>
 * </ul>
 * For Netty's allocators both figures are {@code metric().usedDirectMemory()}
 * (the arenas' chunks, whether their memory is in use or cached): Netty does
 * not count the bytes of buffers in use separately.
 */
public final class NamedAllocator implements AutoCloseable {
    /** Names accepted by {@link #create(String, String, String)}. */
    public static final String NAMES = "percpu, percpu-default, pooled, pooled-default, pooled-all-threads, "
        + "pooled-direct-cached, pooled-direct-uncached, adaptive, unpooled-direct";

    private final String name;
    private final ByteBufAllocator allocator;

    private NamedAllocator(String name, ByteBufAllocator allocator) {
        this.name = name;
        this.allocator = allocator;
    }

    /**
     * Creates the allocator called {@code name}.
     *
     * @param percpuMode {@code rseq}, {@code fallback} or {@code auto} (percpu only); null: the
     *     builder's default (the {@code percpu.mode} property, else auto)
     * @param percpuMaxMemory percpu's memory cap, a size such as {@code 1g} (percpu only); null: the
     *     builder's default (1 GiB)
     * @throws IllegalArgumentException for an unknown name or mode
     */
    public static NamedAllocator create(String name, String percpuMode, String percpuMaxMemory) {
        switch (name.replace("-", "").toLowerCase(Locale.ROOT)) {
            case "percpu":
                return new NamedAllocator(name, percpu(percpuMode, percpuMaxMemory));
            case "percpudefault":
                return new NamedAllocator(name, PercpuByteBufAllocator.DEFAULT);
            case "pooled":
                return new NamedAllocator(name, new PooledByteBufAllocator(true));
            case "pooleddefault":
                return new NamedAllocator(name, PooledByteBufAllocator.DEFAULT);
            case "pooledallthreads":
                return new NamedAllocator(name, new PooledByteBufAllocator(true,
                    PooledByteBufAllocator.defaultNumHeapArena(), PooledByteBufAllocator.defaultNumDirectArena(),
                    PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                    PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(),
                    true));
            case "pooleddirectcached":
                return new NamedAllocator(name, pooledDirect(true));
            case "pooleddirectuncached":
                return new NamedAllocator(name, pooledDirect(false));
            case "adaptive":
                return new NamedAllocator(name, new AdaptiveByteBufAllocator());
            case "unpooleddirect":
                return new NamedAllocator(name, new UnpooledByteBufAllocator(true, true, false));
            default:
                throw new IllegalArgumentException("unknown allocator '" + name + "'; one of " + NAMES);
        }
    }

    /** {@link #create(String, String, String)} with percpu's builder defaults for the mode and the cap. */
    public static NamedAllocator create(String name) {
        return create(name, null, null);
    }

    private static PercpuByteBufAllocator percpu(String mode, String maxMemory) {
        PercpuByteBufAllocatorBuilder builder = PercpuByteBufAllocator.builder();
        if (mode != null) {
            builder.mode(Mode.valueOf(mode.toUpperCase(Locale.ROOT)));
        }
        if (maxMemory != null) {
            builder.maxMemory(maxMemory);
        }
        return builder.build();
    }

    private static PooledByteBufAllocator pooledDirect(boolean cached) {
        return new PooledByteBufAllocator(true, 0, PooledByteBufAllocator.defaultNumDirectArena(),
            PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
            cached ? PooledByteBufAllocator.defaultSmallCacheSize() : 0,
            cached ? PooledByteBufAllocator.defaultNormalCacheSize() : 0, cached);
    }

    /** The name it was created by. */
    public String name() {
        return name;
    }

    /** The Netty allocator. */
    public ByteBufAllocator allocator() {
        return allocator;
    }

    /** True when {@link #inUseBytes()} counts the buffers in use (percpu), false when it is the held figure. */
    public boolean tracksInUse() {
        return allocator instanceof PercpuByteBufAllocator;
    }

    /** Off-heap bytes of buffers handed out and not released (see the class comment). */
    public long inUseBytes() {
        if (allocator instanceof PercpuByteBufAllocator) {
            PercpuByteBufAllocator percpu = (PercpuByteBufAllocator) allocator;
            return percpu.isUnmapped() ? percpu.largeBytes() : percpu.pooledInUseBytes();
        }
        return heldBytes();
    }

    /** Off-heap bytes the allocator holds, in use or cached (see the class comment). */
    public long heldBytes() {
        return ((ByteBufAllocatorMetricProvider) allocator).metric().usedDirectMemory();
    }

    /** One line describing the settings (for logs and the {@code /stats} endpoint). */
    public String describe() {
        return allocator instanceof PercpuByteBufAllocator ? allocator.toString() : name + " " + allocator.getClass().getSimpleName();
    }

    /**
     * Publishes percpu's statistics for the {@code stats} command, one pool
     * per size class ({@code "class <bytes>"}); null (with a note) for
     * Netty's allocators, which have none.
     */
    public StatsPublisher publish() {
        if (!(allocator instanceof PercpuByteBufAllocator)) {
            System.out.println("  stats       not published: allocator " + name + " is not percpu's");
            return null;
        }
        PercpuByteBufAllocator percpu = (PercpuByteBufAllocator) allocator;
        StatsPublisher publisher = Publishing.start(percpu.classCount());
        for (int i = 0; i < percpu.classCount(); i++) {
            int sizeClass = i;
            publisher.add("class " + percpu.classSize(i), () -> percpu.classStats(sizeClass));
        }
        return publisher;
    }

    /**
     * Closes percpu's allocator (its memory is unmapped when the last buffer comes back), except
     * {@link PercpuByteBufAllocator#DEFAULT}, which stays open; Netty's need nothing.
     */
    @Override
    public void close() {
        if (allocator instanceof PercpuByteBufAllocator && allocator != PercpuByteBufAllocator.DEFAULT) {
            ((PercpuByteBufAllocator) allocator).close();
        }
    }
}
