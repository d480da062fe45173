package dev.percpu.engine;

import dev.percpu.bridge.MemoryCalls;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Blocks of whole pages carved from one reserved range of address space,
 * for sizes above an allocator's largest class: no mapping per block.
 *
 * <p>Runs: the range is split into runs of pages, each in use or free.
 * {@link #allocate} takes the lowest free run that fits (first fit by
 * address), splitting it; {@link #free} gives the run's pages back to the
 * kernel ({@code madvise(MADV_DONTNEED)}) and its bytes back to the
 * {@link MemoryBudget} at once, and merges it with free neighbours. So a
 * free block costs neither memory nor budget, and the address space is
 * reused.
 *
 * <p>Mappings: the range is reserved {@code PROT_NONE} and made writable as
 * one growing prefix (up to the highest page ever handed out), so it is at
 * most two mappings however it is used; handing back never splits one.
 *
 * <p>Budget and space: a block is charged to the budget before it is handed
 * out, so blocks in use never exceed it; the range is twice the budget, so
 * fragmentation can leave room short only when blocks in use hold over
 * half of it.
 *
 * <p>Threading: every method is {@code synchronized}: large blocks are
 * rare, and each one costs a system call anyway.
 *
 * <p>Closing: the owner calls {@link #close()} before it unmaps the range;
 * an allocate or free under way finishes first, and every later one throws
 * {@link IllegalStateException}, so no {@code mprotect} or {@code madvise}
 * reaches the range once it is unmapped (when the kernel may have given the
 * addresses to another mapping).
 */
public final class PageHeap {
    /** The page size of every supported platform's default configuration. */
    public static final long PAGE = 4096;

    private final Region range;
    private final MemoryBudget budget;
    /** Free runs: offset to length, in bytes. */
    private final TreeMap<Long, Long> freeRuns = new TreeMap<>();
    /** Runs in use: address to length, in bytes. */
    private final Map<Long, Long> usedRuns = new HashMap<>();
    private long writableBytes;
    private long inUseBytes;
    /** Why the last {@link #allocate} failed. */
    private String lastRefusal = "";
    /** Set by {@link #close()}. */
    private boolean closed;

    /** A heap in {@code range} (reserved with {@link Region#reserve}), charged to {@code budget}. */
    public PageHeap(Region range, MemoryBudget budget) {
        this.range = range;
        this.budget = budget;
        freeRuns.put(0L, range.bytes() & -PAGE);
    }

    /** Whether {@code address} lies in this heap's range. */
    public boolean contains(long address) {
        return Long.compareUnsigned(address - range.address(), range.bytes()) < 0;
    }

    /**
     * A block of {@code bytes} rounded up to whole pages, or 0 when the budget is spent, no free run
     * fits, or the kernel refuses to make the pages writable ({@link #lastRefusal()} says which).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized long allocate(long bytes) {
        ensureOpen();
        long length = (bytes + PAGE - 1) & -PAGE;
        long offset = -1;
        long runLength = 0;
        for (Map.Entry<Long, Long> run : freeRuns.entrySet()) {
            if (run.getValue() >= length) {
                // Copied out: TreeMap.remove may move another run's key and value into this entry.
                offset = run.getKey();
                runLength = run.getValue();
                break;
            }
        }
        if (offset < 0) {
            lastRefusal = "no free run of " + length + " bytes in the large-block range (fragmented)";
            return 0;
        }
        if (!budget.tryCharge(length)) {
            lastRefusal = "the memory budget is spent";
            return 0;
        }
        long end = offset + length;
        if (end > writableBytes) {
            int err = MemoryCalls.commitPages(range.address() + writableBytes, end - writableBytes);
            if (err != 0) {
                budget.release(length);
                lastRefusal = "the kernel refused to commit more memory (errno " + err
                    + ": commit limit or vm.max_map_count)";
                return 0;
            }
            writableBytes = end;
        }
        freeRuns.remove(offset);
        if (runLength > length) {
            freeRuns.put(end, runLength - length);
        }
        long address = range.address() + offset;
        usedRuns.put(address, length);
        inUseBytes += length;
        return address;
    }

    /**
     * Returns the block at {@code address}: its pages go back to the kernel, its bytes to the budget.
     *
     * @return the block's length in bytes
     * @throws IllegalArgumentException when {@code address} is not a block of this heap in use
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized long free(long address) {
        ensureOpen();
        Long length = usedRuns.remove(address);
        if (length == null) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is not a large block in use of this allocator", address));
        }
        range.release(address, address + length);
        budget.release(length);
        inUseBytes -= length;
        long offset = address - range.address();
        long end = offset + length;
        Map.Entry<Long, Long> before = freeRuns.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            offset = before.getKey();
            freeRuns.remove(offset);
        }
        Long after = freeRuns.remove(end);
        if (after != null) {
            end += after;
        }
        freeRuns.put(offset, end - offset);
        return length;
    }

    /**
     * The length of the block at {@code address}.
     *
     * @throws IllegalArgumentException when {@code address} is not a block of this heap in use
     */
    public synchronized long sizeOf(long address) {
        Long length = usedRuns.get(address);
        if (length == null) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is not a large block in use of this allocator", address));
        }
        return length;
    }

    /** Bytes of blocks in use. */
    public synchronized long inUseBytes() {
        return inUseBytes;
    }

    /** Blocks in use. */
    public synchronized int blocks() {
        return usedRuns.size();
    }

    /** Why the last {@link #allocate} returned 0. */
    public synchronized String lastRefusal() {
        return lastRefusal;
    }

    /** Refuses every later {@link #allocate} and {@link #free}; returns once none is under way. Idempotent. */
    public synchronized void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the allocator that owns this large-block heap is closed");
        }
    }
}
