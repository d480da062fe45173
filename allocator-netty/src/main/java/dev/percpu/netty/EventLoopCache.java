package dev.percpu.netty;

/**
 * One event-loop thread's front cache of a {@link PercpuByteBufAllocator}:
 * per size class a small stack of idle buffer objects with their blocks,
 * so that allocate and release on that thread make no native call. Used
 * only by its owner thread (a {@code FastThreadLocalThread}), or by
 * {@link EventLoopCaches} once the owner has ended; {@link EventLoopCaches}
 * says when it is emptied.
 */
final class EventLoopCache {
    private final Thread owner;
    /** Per class: the idle buffers, {@code [0, counts[c])} filled; an empty array for a class not cached. */
    private final PercpuByteBuf[][] stacks;
    private final int[] counts;
    /** Allocations and releases served so far (owner only): what the idle check compares. */
    private long served;
    /** {@link #served} at the last idle check. */
    private long servedAtLastCheck;
    /** Set when the cache is forgotten (its thread's clean-up or end): it takes no buffer any more. */
    private boolean retired;

    EventLoopCache(Thread owner, int[] capacities) {
        this.owner = owner;
        this.stacks = new PercpuByteBuf[capacities.length][];
        this.counts = new int[capacities.length];
        for (int c = 0; c < capacities.length; c++) {
            stacks[c] = new PercpuByteBuf[capacities[c]];
        }
    }

    /** The thread this cache belongs to. */
    Thread owner() {
        return owner;
    }

    /** An idle buffer of class {@code sizeClass}, or null when the cache holds none. */
    PercpuByteBuf poll(int sizeClass) {
        int n = counts[sizeClass];
        if (n == 0) {
            return null;
        }
        PercpuByteBuf[] stack = stacks[sizeClass];
        PercpuByteBuf buffer = stack[--n];
        stack[n] = null;
        counts[sizeClass] = n;
        served++;
        return buffer;
    }

    /** Keeps {@code buffer}, a pooled block's object just released; false when its class's stack is full. */
    boolean offer(PercpuByteBuf buffer) {
        int sizeClass = buffer.sizeClass();
        PercpuByteBuf[] stack = stacks[sizeClass];
        int n = counts[sizeClass];
        if (n == stack.length || retired) {
            return false;
        }
        stack[n] = buffer;
        counts[sizeClass] = n + 1;
        served++;
        return true;
    }

    /** Whether nothing was served since the last call: the owner was idle for the window in between. */
    boolean idleSinceLastCheck() {
        boolean idle = served == servedAtLastCheck;
        servedAtLastCheck = served;
        return idle;
    }

    /**
     * Forgets this cache: it takes no buffer from now on (a buffer that remembers it as its
     * allocating thread's cache goes back to its class instead). Owner thread, or after its end.
     */
    void retire() {
        retired = true;
    }

    /** Hands every cached buffer to {@code back} and empties the cache; returns how many. */
    int empty(PercpuByteBufAllocator back) {
        int emptied = 0;
        for (int c = 0; c < stacks.length; c++) {
            PercpuByteBuf[] stack = stacks[c];
            for (int n = counts[c]; n > 0; ) {
                PercpuByteBuf buffer = stack[--n];
                stack[n] = null;
                counts[c] = n;
                back.giveBackPooled(buffer);
                emptied++;
            }
        }
        return emptied;
    }
}
