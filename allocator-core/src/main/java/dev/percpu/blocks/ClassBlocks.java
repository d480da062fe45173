package dev.percpu.blocks;

import dev.percpu.SizeClassAllocator;
import java.nio.ByteBuffer;

/**
 * The blocks of a {@link SizeClassAllocator}'s classes by index: what an
 * adapter that keeps one object per block (the Netty allocator's buffer
 * objects) needs beyond the public API, so that an allocation finds its
 * class once and never turns an address back into an index.
 *
 * <p>Block {@code k} of class {@code c} is the {@code k}-th block of that
 * class's address range; indices run from 0 to {@code blocks(c) - 1}. A
 * block index handed out by {@link #tryTake(int)} belongs to the caller
 * until it passes it to {@link #giveBack(int, int)}; the index is trusted,
 * as the caller got it from here (debug mode still catches a block given
 * back twice). Every method may be called from any thread and throws
 * {@link IllegalStateException} after the allocator is closed.
 *
 * <p>Internal: exported only to module {@code dev.percpu.netty}.
 */
public interface ClassBlocks {
    /** The allocator these blocks belong to (its public API: stats, trim, close, large blocks). */
    SizeClassAllocator allocator();

    /** Number of blocks of class {@code sizeClass}. */
    int blocks(int sizeClass);

    /** A free block of class {@code sizeClass}: its index, or -1 when the class is exhausted. */
    int tryTake(int sizeClass);

    /** Returns block {@code block} of class {@code sizeClass}, taken by {@link #tryTake(int)}. */
    void giveBack(int sizeClass, int block);

    /**
     * The address of block {@code block} of class {@code sizeClass}, handed out yet or not.
     *
     * @throws IndexOutOfBoundsException when the class or the block does not exist
     */
    long address(int sizeClass, int block);

    /**
     * A view of block {@code block} of class {@code sizeClass}, handed out yet or not (big-endian,
     * capacity the class size): for objects made ahead of a block's first use. Nothing may touch its
     * memory while the block is not handed out.
     *
     * @throws IndexOutOfBoundsException when the class or the block does not exist
     */
    ByteBuffer viewAhead(int sizeClass, int block);

    /**
     * In debug mode, hands each class's report of the blocks handed out now to the configured leak
     * handler without closing anything; returns the number of blocks reported (0 outside debug mode).
     */
    long reportLeaks();
}
