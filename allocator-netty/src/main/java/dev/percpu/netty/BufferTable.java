package dev.percpu.netty;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The idle {@link PercpuByteBuf} of every block of one size class, indexed by
 * block: the wrapper pool of {@link BlockWrappers}. Entries live in
 * pages of {@value #PAGE_SIZE}, made with the first wrappers they hold, so a
 * class whose blocks are never used costs one small array.
 *
 * <p>Wrappers are made ahead of need: blocks {@code [0, wrapped())} have one
 * (idle here, or in use), and when a block at or above {@link #wrapped()} is
 * used for the first time, its owner wraps it and the next blocks of the
 * class at once ({@link #add}, under this table's lock), so most blocks find
 * their wrapper made before their first use. {@link BlockWrappers} says how
 * far ahead, and why that keeps a warm allocator from making any.
 *
 * <p>An entry holds the wrapper only while its block is free: the releasing
 * thread stores the wrapper (release store) before it returns the block, and
 * the thread that gets the block next takes it out (acquire load, then a null
 * store) after. So a buffer dropped without release is reachable from nowhere
 * here, and Netty's leak detector, which watches the buffer object, can
 * report it. A block has one owner at a time, so an entry is never written
 * by two threads at once; the per-CPU freelists order the hand-over in
 * practice, the release/acquire pair makes the wrapper's fields visible in
 * Java's terms. {@link #add} writes only entries at or above
 * {@link #wrapped()}: blocks never used, which no thread has put a wrapper
 * for.
 */
final class BufferTable {
    private static final int PAGE_SHIFT = 10;
    private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final VarHandle PAGES = MethodHandles.arrayElementVarHandle(PercpuByteBuf[][].class);
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(PercpuByteBuf[].class);

    private final PercpuByteBuf[][] pages;
    private final int blocks;
    /** Blocks below this have a wrapper; written under this table's lock. */
    private volatile int wrapped;

    BufferTable(int blocks) {
        this.blocks = blocks;
        this.pages = new PercpuByteBuf[(blocks + PAGE_SIZE - 1) >>> PAGE_SHIFT][];
    }

    /** Blocks of the class. */
    int blocks() {
        return blocks;
    }

    /** Takes the idle wrapper of block {@code block}, which its caller has just got, out; null when it has none yet. */
    PercpuByteBuf take(int block) {
        PercpuByteBuf[] page = (PercpuByteBuf[]) PAGES.getAcquire(pages, block >>> PAGE_SHIFT);
        if (page == null) {
            return null;
        }
        int entry = block & (PAGE_SIZE - 1);
        PercpuByteBuf buffer = (PercpuByteBuf) ENTRIES.getAcquire(page, entry);
        if (buffer != null) {
            ENTRIES.setOpaque(page, entry, null);
        }
        return buffer;
    }

    /** Makes {@code buffer} the idle wrapper of {@code block}, which its caller is about to free (wrapped already). */
    void put(int block, PercpuByteBuf buffer) {
        PercpuByteBuf[] page = (PercpuByteBuf[]) PAGES.getAcquire(pages, block >>> PAGE_SHIFT);
        ENTRIES.setRelease(page, block & (PAGE_SIZE - 1), buffer);
    }

    /** Blocks below this have a wrapper (exact with this table's lock held, else a recent value). */
    int wrapped() {
        return wrapped;
    }

    /** Stores {@code buffer} as the wrapper of block {@link #wrapped()}, never used, and counts it wrapped. Lock held. */
    void add(PercpuByteBuf buffer) {
        int block = wrapped;
        int p = block >>> PAGE_SHIFT;
        PercpuByteBuf[] page = (PercpuByteBuf[]) PAGES.getAcquire(pages, p);
        if (page == null) {
            page = new PercpuByteBuf[PAGE_SIZE];
            PAGES.setRelease(pages, p, page);
        }
        ENTRIES.setRelease(page, block & (PAGE_SIZE - 1), buffer);
        wrapped = block + 1;
    }
}
