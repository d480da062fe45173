package dev.percpu.netty;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The idle {@link PercpuByteBuf} of every block of one size class, indexed by
 * block: the wrapper pool of {@link PercpuByteBufAllocator}. Entries live in
 * pages of {@value #PAGE_SIZE} made on first use, so a class whose blocks are
 * never used costs one small array.
 *
 * <p>An entry is meaningful only while its block is free: the releasing
 * thread stores the wrapper (release store) before it returns the block, and
 * the thread that gets the block next loads it (acquire load) after. A block
 * has one owner at a time, so an entry is never written by two threads at
 * once; the per-CPU freelists order the hand-over in practice, the
 * release/acquire pair makes the wrapper's fields visible in Java's terms.
 */
final class BufferTable {
    private static final int PAGE_SHIFT = 10;
    private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final VarHandle PAGES = MethodHandles.arrayElementVarHandle(PercpuByteBuf[][].class);
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(PercpuByteBuf[].class);

    private final PercpuByteBuf[][] pages;

    BufferTable(long blocks) {
        this.pages = new PercpuByteBuf[(int) ((blocks + PAGE_SIZE - 1) >>> PAGE_SHIFT)][];
    }

    /** The idle wrapper of free block {@code block}, or null when it has none yet. */
    PercpuByteBuf get(int block) {
        PercpuByteBuf[] page = (PercpuByteBuf[]) PAGES.getAcquire(pages, block >>> PAGE_SHIFT);
        return page == null ? null : (PercpuByteBuf) ENTRIES.getAcquire(page, block & (PAGE_SIZE - 1));
    }

    /** Makes {@code buffer} the idle wrapper of {@code block}, which its caller is about to free. */
    void put(int block, PercpuByteBuf buffer) {
        int p = block >>> PAGE_SHIFT;
        PercpuByteBuf[] page = (PercpuByteBuf[]) PAGES.getAcquire(pages, p);
        if (page == null) {
            page = newPage(p);
        }
        ENTRIES.setRelease(page, block & (PAGE_SIZE - 1), buffer);
    }

    private synchronized PercpuByteBuf[] newPage(int p) {
        PercpuByteBuf[] page = (PercpuByteBuf[]) PAGES.getAcquire(pages, p);
        if (page == null) {
            page = new PercpuByteBuf[PAGE_SIZE];
            PAGES.setRelease(pages, p, page);
        }
        return page;
    }
}
