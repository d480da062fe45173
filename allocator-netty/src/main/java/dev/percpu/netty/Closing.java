package dev.percpu.netty;

import dev.percpu.blocks.ClassBlocks;
import dev.percpu.SizeClassAllocator;
import java.util.function.ToLongFunction;

/**
 * How a {@link PercpuByteBufAllocator} closes: the one owner of the closed
 * flag and of unmapping.
 *
 * <p>{@link #close()} sets the flag, then (in debug mode) reports the
 * buffers still alive; the memory is unmapped by whichever comes last of
 * the close and the release of the last buffer ({@link #unmapIfIdle()}),
 * so no live buffer can touch unmapped memory. An allocation racing with
 * close either completes before it (its buffer is one of the live ones) or
 * gives its block back and throws: it checks the flag after it has taken
 * its block, and close sets the flag before it counts the blocks in use.
 * Blocks held by event-loop front caches count as in use until those caches
 * empty ({@link EventLoopCaches}).
 */
final class Closing {
    private final SizeClassAllocator classes;
    private final ClassBlocks blocks;
    private final EventLoopCaches caches;
    private final Object lock = new Object();
    private volatile boolean closed;
    /** Whether the size classes were closed (under {@link #lock}). */
    private boolean unmapped;

    Closing(ClassBlocks blocks, EventLoopCaches caches) {
        this.classes = blocks.allocator();
        this.blocks = blocks;
        this.caches = caches;
    }

    /** Whether {@link #close()} was called. */
    boolean isClosed() {
        return closed;
    }

    /** Whether the memory was unmapped. */
    boolean isUnmapped() {
        synchronized (lock) {
            return unmapped;
        }
    }

    /** Stops allocation; unmaps now if nothing is in use, else at the last release. Idempotent. */
    void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (!unmapped && classes.inUseBytes() > 0) {
                blocks.reportLeaks();
            }
        }
        caches.emptyCurrent();
        unmapIfIdle();
    }

    /** After close: unmaps the memory once no block is in use (caches of ended threads emptied first). */
    void unmapIfIdle() {
        caches.emptyEnded();
        synchronized (lock) {
            if (unmapped || !closed) {
                return;
            }
            if (classes.inUseBytes() == 0) {
                unmapped = true;
                classes.close();
            }
        }
    }

    /** {@code query} of the size classes, or 0 once they are unmapped. */
    long whileMapped(ToLongFunction<SizeClassAllocator> query) {
        synchronized (lock) {
            return unmapped ? 0 : query.applyAsLong(classes);
        }
    }
}
