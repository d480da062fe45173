package dev.percpu;

/**
 * Thrown by {@link SlabAllocator#allocate()} when no slot is free: the
 * depot is empty and so is every CPU's stack. {@link SlabAllocator#tryAllocate()}
 * returns {@code 0} in the same situation instead. Also thrown by
 * {@code dev.percpu.netty.PercpuByteBufAllocator} when its memory cap is reached.
 */
public final class PoolExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message says which pool ran out, and of what. */
    public PoolExhaustedException(String message) {
        super(message);
    }
}
