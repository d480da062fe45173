package dev.percpu;

/**
 * Thrown by {@link SlabAllocator#allocate()} when no slot is free: the
 * depot is empty and so is every CPU's stack. {@link SlabAllocator#tryAllocate()}
 * returns {@code 0} in the same situation instead.
 */
public final class PoolExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PoolExhaustedException(String message) {
        super(message);
    }
}
