package dev.percpu.blocks;

import dev.percpu.SizeClassAllocator;
import java.util.Objects;
import java.util.function.Function;

/**
 * The door from a {@link SizeClassAllocator} to its {@link ClassBlocks}: the
 * allocator's class registers, once, the function that makes them, so that
 * the allocator's public API carries no method for it. Internal: exported
 * only to module {@code dev.percpu.netty}.
 */
public final class ClassBlocksAccess {
    private static volatile Function<SizeClassAllocator, ClassBlocks> opener;

    private ClassBlocksAccess() {
    }

    /**
     * Called by {@link SizeClassAllocator}'s class initialisation only.
     *
     * @throws IllegalStateException when called a second time
     */
    public static synchronized void register(Function<SizeClassAllocator, ClassBlocks> blocksOf) {
        if (opener != null) {
            throw new IllegalStateException("ClassBlocks are registered already");
        }
        opener = Objects.requireNonNull(blocksOf, "blocksOf");
    }

    /** The blocks of {@code allocator} by index. */
    public static ClassBlocks of(SizeClassAllocator allocator) {
        Objects.requireNonNull(allocator, "allocator");
        return opener.apply(allocator);
    }
}
