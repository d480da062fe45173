package dev.percpu;

import dev.percpu.engine.IndexPool;
import dev.percpu.engine.Region;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debug mode of a {@link SlabAllocator}: slot states, poison, allocation
 * sites, and a guard that keeps {@code close()} from unmapping the region
 * under a poison write or check. Exists only when debug mode is on.
 *
 * <p>Slot state, two bits per slot, 32 slots per {@code long}, changed by
 * CAS (slots of different threads share words):
 * <pre>
 *   NEVER (0) --allocate--> ALLOCATED (1) --free--> FREE (2) --allocate--> ALLOCATED ...
 * </pre>
 * Any other transition is refused: free of a FREE slot is a double free,
 * free of a NEVER slot frees a slot nobody was given.
 *
 * <p>Poison: a free writes {@link #POISON} into the first
 * {@code poisonBytes} of the slot after it is marked FREE and before its
 * index goes back on a freelist; the allocate that next hands it out checks
 * the pattern after marking it ALLOCATED. Slots never used hold zeros from
 * the mapping and are not checked.
 *
 * <p>Threading: every method may be called from any thread; the state of
 * one slot is only ever changed by the thread that owns it (or, for a
 * double free, by a thread that is wrong about owning it: the CAS decides).
 */
final class SlotDebugger {
    /** The poison written into freed slots. */
    static final long POISON = 0xDEADBEEFDEADBEEFL;

    private static final int NEVER = 0;
    private static final int ALLOCATED = 1;
    private static final int FREE = 2;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final Region region;
    private final SlotGeometry geometry;
    private final IndexPool pool;
    private final long[] states;
    private final int poisonBytes;
    private final int stackTraceEvery;
    private final ConcurrentHashMap<Integer, Throwable> sites = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;

    SlotDebugger(Region region, SlotGeometry geometry, IndexPool pool, int slots, int stackTraceEvery) {
        this.region = region;
        this.geometry = geometry;
        this.pool = pool;
        this.states = new long[(slots + 31) >>> 5];
        this.poisonBytes = Math.min(geometry.slotSize(), SlabConfig.DEBUG_POISON_BYTES);
        this.stackTraceEvery = stackTraceEvery;
    }

    /**
     * Marks a slot just taken off a freelist ALLOCATED, checks its poison
     * and may record the allocation site. Returns -1, or the offset of the
     * first changed word when the poison was overwritten: the slot is then
     * FREE again and re-poisoned, and the caller must put it back.
     */
    private long allocated(int index, long address) {
        enter();
        try {
            int before = swap(index, NEVER, FREE, ALLOCATED);
            if (before == ALLOCATED) {
                throw new IllegalStateException(String.format(
                    "slot 0x%x (index %d) was on a freelist while marked allocated: the pool is corrupt", address, index));
            }
            if (before == FREE) {
                long offset = region.findWordNot(address, poisonBytes, POISON);
                if (offset >= 0) {
                    region.fillWords(address, poisonBytes, POISON);
                    swap(index, ALLOCATED, ALLOCATED, FREE);
                    return offset;
                }
            }
            if (stackTraceEvery > 0 && (stackTraceEvery == 1 || ThreadLocalRandom.current().nextInt(stackTraceEvery) == 0)) {
                sites.put(index, new Throwable("allocated here"));
            }
            return -1;
        } finally {
            exit();
        }
    }

    /**
     * Marks a slot FREE before its index goes back on a freelist.
     *
     * @throws IllegalArgumentException for a double free or a slot never handed out; nothing changes then
     */
    private void freeing(int index, long address) {
        int before = swap(index, ALLOCATED, ALLOCATED, FREE);
        if (before != ALLOCATED) {
            throw new IllegalArgumentException(String.format(before == FREE
                ? "double free: slot 0x%x (index %d) is already free"
                : "slot 0x%x (index %d) was never handed out", address, index));
        }
    }

    /** Undoes {@link #freeing} for a batch free that is rejected by a later address. */
    private void unfree(int index) {
        swap(index, FREE, FREE, ALLOCATED);
    }

    /** Poisons a slot marked FREE and forgets where it was allocated; before its index goes back. */
    private void poison(int index, long address) {
        enter();
        try {
            if (stackTraceEvery > 0) {
                sites.remove(index);
            }
            region.fillWords(address, poisonBytes, POISON);
        } finally {
            exit();
        }
    }

    /**
     * Checks a slot just popped: state and poison. On a write after free the
     * slot is re-poisoned and pushed back, so the pool stays whole.
     *
     * @throws IllegalStateException on a write after free, naming the slot and the first changed word
     */
    void checkAllocated(int index, long address) {
        long offset = allocated(index, address);
        if (offset >= 0) {
            int r = pool.stacks().push(index);
            if (r != 0) {
                pool.pushSlow(index, r);
            }
            throw new IllegalStateException(String.format(
                "slot 0x%x (slot size %d) was written after it was freed: the 8-byte word at offset %d is not "
                    + "the poison 0x%x (debug mode checks the first %d bytes); the slot was re-poisoned and put back",
                address, geometry.slotSize(), offset, POISON, poisonBytes));
        }
    }

    /**
     * Marks one slot FREE and poisons it, before the caller pushes its index.
     *
     * @throws IllegalArgumentException for a double free or a slot never handed out
     * @throws IllegalStateException after close (the slot is then marked allocated again)
     */
    void free(int index, long address) {
        pool.ensureOpen();
        freeing(index, address);
        try {
            poison(index, address);
        } catch (IllegalStateException closed) {
            unfree(index);
            throw closed;
        }
    }

    /**
     * Marks every slot of {@code src[0 .. n)} FREE, or none (a double free
     * anywhere undoes the rest), then poisons them, before the caller pushes
     * their indices. The addresses were checked.
     *
     * @throws IllegalArgumentException for a double free or a slot never handed out; nothing changes then
     * @throws IllegalStateException after close (the slots not yet poisoned are marked allocated again)
     */
    void freeAll(long[] src, int n) {
        pool.ensureOpen();
        int marked = 0;
        try {
            for (; marked < n; marked++) {
                freeing(geometry.indexOfChecked(src[marked]), src[marked]);
            }
        } catch (IllegalArgumentException e) {
            for (int i = 0; i < marked; i++) {
                unfree(geometry.indexOfChecked(src[i]));
            }
            throw e;
        }
        for (int i = 0; i < n; i++) {
            try {
                poison(geometry.indexOfChecked(src[i]), src[i]);
            } catch (IllegalStateException closed) {
                for (int j = i; j < n; j++) {
                    unfree(geometry.indexOfChecked(src[j]));
                }
                throw closed;
            }
        }
    }

    /** The slots ALLOCATED now; {@code pool} names the pool in the report. */
    LeakReport leaks(String pool) {
        int n = 0;
        for (long word : states) {
            n += Long.bitCount(word & 0x5555_5555_5555_5555L & ~(word >>> 1));
        }
        long[] addresses = new long[n];
        Throwable[] where = new Throwable[n];
        int k = 0;
        for (int w = 0; w < states.length && k < n; w++) {
            long word = (long) WORDS.getVolatile(states, w);
            for (int bit = 0; bit < 32 && k < n; bit++) {
                if (((word >>> (2 * bit)) & 3) == ALLOCATED) {
                    int index = (w << 5) + bit;
                    addresses[k] = geometry.address(index);
                    where[k] = sites.get(index);
                    k++;
                }
            }
        }
        return new LeakReport(pool, k == n ? addresses : Arrays.copyOf(addresses, k),
            k == n ? where : Arrays.copyOf(where, k));
    }

    /** Makes later poison writes and checks fail, and waits for those under way: then the region may go. */
    void close() {
        closing = true;
        while (inFlight.get() != 0) {
            Thread.onSpinWait();
        }
    }

    private void enter() {
        inFlight.incrementAndGet();
        if (closing) {
            inFlight.decrementAndGet();
            throw new IllegalStateException("this SlabAllocator is closed");
        }
    }

    private void exit() {
        inFlight.decrementAndGet();
    }

    /** CAS the slot's state from {@code from1} or {@code from2} to {@code to}; returns the state seen (unchanged if not a from). */
    private int swap(int index, int from1, int from2, int to) {
        int w = index >>> 5;
        int shift = (index & 31) << 1;
        while (true) {
            long word = (long) WORDS.getVolatile(states, w);
            int state = (int) (word >>> shift) & 3;
            if (state != from1 && state != from2) {
                return state;
            }
            long next = (word & ~(3L << shift)) | ((long) to << shift);
            if (WORDS.compareAndSet(states, w, word, next)) {
                return state;
            }
        }
    }
}
