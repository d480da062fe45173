package dev.percpu.netty;

import dev.percpu.blocks.ClassBlocks;

/**
 * The buffer objects of a {@link PercpuByteBufAllocator}'s size-class
 * blocks: one per block, made ahead of need, kept idle in the class's
 * {@link BufferTable} while the block is free.
 *
 * <p>Made ahead: when a block without an object is used, the objects of
 * every block from the first unwrapped one up to it are made at once, and
 * up to {@link #WRAP_STEP} blocks in all when that is fewer, under the
 * class table's lock. A class carves blocks in index order, so the blocks
 * below its high-water mark have objects once it has been reached, and
 * allocating and releasing then make no object; each step is bounded
 * whatever the number of CPUs. Heap cost: about 160 bytes per object with
 * its view, for every block up to the high-water mark plus less than one
 * step, in each class used.
 */
final class BlockWrappers {
    /** Objects made at once when a block without one is used. */
    static final int WRAP_STEP = 64;

    private final PercpuByteBufAllocator alloc;
    private final ClassBlocks blocks;
    private final BufferTable[] tables;
    private final int[] classSizes;

    BlockWrappers(PercpuByteBufAllocator alloc, ClassBlocks blocks) {
        this.alloc = alloc;
        this.blocks = blocks;
        int classes = blocks.allocator().classCount();
        this.tables = new BufferTable[classes];
        this.classSizes = new int[classes];
        for (int c = 0; c < classes; c++) {
            tables[c] = new BufferTable(blocks.blocks(c));
            classSizes[c] = blocks.allocator().classSize(c);
        }
    }

    /** The idle object of block {@code block} of class {@code sizeClass}, which the caller has just taken. */
    PercpuByteBuf take(int sizeClass, int block) {
        PercpuByteBuf buffer = tables[sizeClass].take(block);
        return buffer != null ? buffer : wrapAhead(sizeClass, block);
    }

    /** Makes {@code buffer} its block's idle object again; the caller gives the block back next. */
    void put(PercpuByteBuf buffer) {
        tables[buffer.sizeClass()].put(buffer.block(), buffer);
    }

    /** Objects made so far, over every class. */
    long made() {
        long made = 0;
        for (BufferTable table : tables) {
            made += table.wrapped();
        }
        return made;
    }

    /**
     * Block {@code block}'s first use, and no object made for it yet: makes the objects of every
     * block from the first unwrapped one up to {@code block}, and up to {@link #WRAP_STEP} blocks in
     * all when that is fewer, and returns {@code block}'s; makes none when another thread's step made
     * {@code block}'s while this one waited for the lock.
     */
    private PercpuByteBuf wrapAhead(int sizeClass, int block) {
        BufferTable table = tables[sizeClass];
        synchronized (table) {
            if (block < table.wrapped()) {
                return table.take(block);
            }
            int end = (int) Math.min(table.blocks(), Math.max(block + 1L, (long) table.wrapped() + WRAP_STEP));
            for (int b = table.wrapped(); b < end; b++) {
                table.add(new PercpuByteBuf(alloc, sizeClass, b, blocks.address(sizeClass, b), classSizes[sizeClass],
                    blocks.viewAhead(sizeClass, b)));
            }
        }
        return table.take(block);
    }
}
