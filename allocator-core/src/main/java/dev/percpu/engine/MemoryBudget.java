package dev.percpu.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One limit on the memory an allocator commits, shared by all its pools:
 * every size class and its large-buffer heap charge the same counter.
 *
 * <p>Charges happen on slow paths only, in whole chunks: a pool charges a
 * chunk of its region before it hands out the chunk's first slot
 * ({@link SlotMemory#commit}), the large heap charges a run of pages before
 * it hands it out, and both give the bytes back when they hand the memory
 * back to the kernel. The per-CPU fast path never touches this counter.
 *
 * <p>Threading: lock-free; {@link #tryCharge} is one compare-and-set loop,
 * so the committed total never exceeds the limit, whatever the interleaving.
 */
public final class MemoryBudget {
    private final long limitBytes;
    private final AtomicLong committedBytes = new AtomicLong();

    /**
     * A budget of {@code limitBytes}.
     *
     * @throws IllegalArgumentException when {@code limitBytes <= 0}
     */
    public MemoryBudget(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("memory budget must be > 0 bytes, was " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    /** Charges {@code bytes} if the total stays within the limit; returns whether it did. */
    public boolean tryCharge(long bytes) {
        long before;
        do {
            before = committedBytes.get();
            if (bytes > limitBytes - before) {
                return false;
            }
        } while (!committedBytes.compareAndSet(before, before + bytes));
        return true;
    }

    /** Gives back {@code bytes} charged before. */
    public void release(long bytes) {
        committedBytes.addAndGet(-bytes);
    }

    /** The limit in bytes. */
    public long limitBytes() {
        return limitBytes;
    }

    /** Bytes charged now. */
    public long committedBytes() {
        return committedBytes.get();
    }
}
