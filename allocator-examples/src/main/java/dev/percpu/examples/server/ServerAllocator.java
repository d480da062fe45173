package dev.percpu.examples.server;

import dev.percpu.examples.stats.Publishing;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import dev.percpu.stats.StatsPublisher;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Locale;

/**
 * The allocator a server (or the pipeline) runs on, chosen by name, with the
 * figure each one gives of its own off-heap memory. Names and settings:
 * <ul>
 *   <li>{@code percpu}: {@link PercpuByteBufAllocator} with the default size
 *       classes (16 B to 1 MiB) and per-CPU cache, the given memory cap, mode
 *       {@code rseq} or {@code fallback}. Own memory: <em>in use</em> =
 *       {@code pooledInUseBytes() + largeBytes()} (blocks handed out and not
 *       released), <em>held</em> = {@code metric().usedDirectMemory()} (size
 *       class memory used so far, whether in use, cached per CPU or in the
 *       depots, plus the large path).</li>
 *   <li>{@code pooled}: {@code new PooledByteBufAllocator(true)}, Netty's
 *       defaults: thread caches only on event-loop threads.</li>
 *   <li>{@code pooled-all-threads}: the same with
 *       {@code useCacheForAllThreads = true}: a thread cache for every thread
 *       that allocates (worker threads included).</li>
 *   <li>{@code adaptive}: {@code new AdaptiveByteBufAllocator()}, Netty 4.2's
 *       default.</li>
 * </ul>
 * For Netty's allocators both figures are {@code metric().usedDirectMemory()}
 * (the arenas' chunks, whether their memory is in use or cached): Netty does
 * not count the bytes of buffers in use separately.
 */
public final class ServerAllocator implements AutoCloseable {
    /** Names accepted by {@link #create(String, String, String)}. */
    public static final String NAMES = "percpu, pooled, pooled-all-threads, adaptive";

    private final String name;
    private final ByteBufAllocator allocator;

    private ServerAllocator(String name, ByteBufAllocator allocator) {
        this.name = name;
        this.allocator = allocator;
    }

    /**
     * Creates the allocator called {@code name}.
     *
     * @param percpuMode {@code rseq} or {@code fallback} (percpu only)
     * @param percpuMaxMemory percpu's memory cap, a size such as {@code 1g} (percpu only)
     * @throws IllegalArgumentException for an unknown name or mode
     */
    public static ServerAllocator create(String name, String percpuMode, String percpuMaxMemory) {
        switch (name) {
            case "percpu":
                return new ServerAllocator(name, PercpuByteBufAllocator.builder()
                    .mode(Mode.valueOf(percpuMode.toUpperCase(Locale.ROOT))).maxMemory(percpuMaxMemory).build());
            case "pooled":
                return new ServerAllocator(name, new PooledByteBufAllocator(true));
            case "pooled-all-threads":
                return new ServerAllocator(name, new PooledByteBufAllocator(true,
                    PooledByteBufAllocator.defaultNumHeapArena(), PooledByteBufAllocator.defaultNumDirectArena(),
                    PooledByteBufAllocator.defaultPageSize(), PooledByteBufAllocator.defaultMaxOrder(),
                    PooledByteBufAllocator.defaultSmallCacheSize(), PooledByteBufAllocator.defaultNormalCacheSize(),
                    true));
            case "adaptive":
                return new ServerAllocator(name, new AdaptiveByteBufAllocator());
            default:
                throw new IllegalArgumentException("unknown allocator '" + name + "'; one of " + NAMES);
        }
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
            return percpu.isUnmapped() ? percpu.largeBytes() : percpu.pooledInUseBytes() + percpu.largeBytes();
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

    /** Closes percpu's allocator (its memory is unmapped when the last buffer comes back); Netty's need nothing. */
    @Override
    public void close() {
        if (allocator instanceof PercpuByteBufAllocator) {
            ((PercpuByteBufAllocator) allocator).close();
        }
    }
}
