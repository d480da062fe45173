package dev.percpu;

import dev.percpu.engine.Region;
import dev.percpu.runtime.Mode;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Off-heap blocks of any size up to the largest size class, each served by
 * the {@link SlabAllocator} of the smallest class that fits.
 *
 * <p>Address space: one mapping ({@code MAP_NORESERVE}, committed as used)
 * split into equal sub-ranges of {@code span} bytes, a power of two at least
 * {@link SizeClassConfig#capacityBytesPerClass()}; class {@code i} owns
 * {@code [base + i * span, base + (i + 1) * span)} and its slab allocator
 * uses the start of it:
 * <pre>
 *   base                 base + span          base + 2 * span
 *   +--------------------+--------------------+-----
 *   | class 0: 16 B slots| class 1: 32 B slots| ...
 *   +--------------------+--------------------+-----
 * </pre>
 * so {@link #free(long)} finds the class of an address in O(1):
 * {@code (address - base) >>> log2(span)}, one subtraction, one compare,
 * one shift; then the class's allocator checks the slot as usual.
 * {@link #allocate(int)} finds the class of a size in O(1) too, from a
 * table indexed by {@code ceil(size / 16)}.
 *
 * <p>Alignment: every block is 16-byte aligned; blocks of classes of 4 KiB
 * and more (whose sizes are multiples of 4 KiB) are 4 KiB (page) aligned,
 * as {@code O_DIRECT} I/O wants: {@code base} and {@code span} are
 * multiples of the page size.
 *
 * <p>Larger requests: sizes above the largest class (64 KiB by default)
 * throw {@link IllegalArgumentException}; map them yourself or add a class.
 * A request is never served from a larger class when its own class is
 * exhausted: {@link #tryAllocate(int)} then returns 0 and
 * {@link #allocate(int)} throws {@link PoolExhaustedException}.
 *
 * <p>Threading: every method may be called from any thread; each class
 * behaves as a {@link SlabAllocator} (no lock on the fast path in
 * {@link Mode#RSEQ}). Closing: {@link #close()} closes every class, then
 * unmaps the address space; calls racing with it throw
 * {@link IllegalStateException} as for a {@link SlabAllocator}.
 */
public final class SizeClassAllocator implements AutoCloseable {
    private static final int QUANTUM_SHIFT = 4;

    private final SizeClassConfig config;
    private final Region space;
    private final SlabAllocator[] classes;
    private final int[] sizes;
    /** {@code 1.0 / sizes[i]}, for {@link #blockIndex(long)}. */
    private final double[] inverseSizes;
    /** Class index by {@code ceil(size / 16)}. */
    private final byte[] classByQuanta;
    private final int maxSize;
    private final long base;
    private final long spanShift;
    private final long totalBytes;
    private boolean closed;

    private SizeClassAllocator(SizeClassConfig config) {
        this.config = config;
        this.sizes = config.classSizes();
        this.maxSize = sizes[sizes.length - 1];
        this.inverseSizes = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            inverseSizes[i] = 1.0 / sizes[i];
        }
        this.classByQuanta = new byte[(maxSize >>> QUANTUM_SHIFT) + 1];
        for (int q = 0, c = 0; q < classByQuanta.length; q++) {
            while (sizes[c] < q << QUANTUM_SHIFT) {
                c++;
            }
            classByQuanta[q] = (byte) c;
        }
        long span = Long.highestOneBit(config.capacityBytesPerClass() - 1) << 1;
        this.spanShift = Long.numberOfTrailingZeros(span);
        this.totalBytes = span * sizes.length;
        this.space = Region.map(totalBytes);
        this.base = space.address();
        this.classes = new SlabAllocator[sizes.length];
        try {
            for (int i = 0; i < sizes.length; i++) {
                classes[i] = SlabAllocator.createIn(config.classConfig(i), space.slice(i * span, span));
            }
        } catch (RuntimeException | Error e) {
            for (SlabAllocator made : classes) {
                if (made != null) {
                    made.close();
                }
            }
            space.unmap();
            throw e;
        }
    }

    /**
     * Reserves the address space and makes one slab allocator per class.
     *
     * @throws IllegalStateException when {@link Mode#RSEQ} is requested but the calling thread has no rseq
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     * @throws OutOfMemoryError when the address space cannot be reserved
     */
    public static SizeClassAllocator create(SizeClassConfig config) {
        SizeClassAllocator allocator = new SizeClassAllocator(Objects.requireNonNull(config, "config"));
        SlabAllocator.logBuilt("SizeClassAllocator", allocator.mode(), config);
        return allocator;
    }

    /** The configuration this allocator was made from. */
    public SizeClassConfig config() {
        return config;
    }

    /** The mode every class runs in. */
    public Mode mode() {
        return classes[0].mode();
    }

    /** Number of size classes. */
    public int classCount() {
        return sizes.length;
    }

    /** Size of class {@code i} in bytes. */
    public int classSize(int i) {
        return sizes[i];
    }

    /** The largest size {@link #allocate(int)} accepts. */
    public int maxSize() {
        return maxSize;
    }

    /**
     * Index of the class that serves {@code size} bytes: the smallest class of at least that size.
     *
     * @throws IllegalArgumentException when {@code size < 1} or {@code size > maxSize()}
     */
    public int classOf(int size) {
        if (size < 1 || size > maxSize) {
            throw new IllegalArgumentException("size " + size + " must be in [1, " + maxSize
                + "]: larger blocks are not served by size classes (map them directly, or configure a larger class)");
        }
        return classByQuanta[(size + (1 << QUANTUM_SHIFT) - 1) >>> QUANTUM_SHIFT];
    }

    /**
     * A block of at least {@code size} bytes (exactly {@code classSize(classOf(size))}), or
     * {@code 0} when that class is exhausted.
     *
     * @throws IllegalArgumentException when {@code size < 1} or {@code size > maxSize()}
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after free
     */
    public long tryAllocate(int size) {
        return classes[classOf(size)].tryAllocate();
    }

    /**
     * A block of at least {@code size} bytes.
     *
     * @throws PoolExhaustedException when the class of {@code size} has no free slot
     * @throws IllegalArgumentException when {@code size < 1} or {@code size > maxSize()}
     * @throws IllegalStateException after {@link #close()}; in debug mode also on a write after free
     */
    public long allocate(int size) {
        return classes[classOf(size)].allocate();
    }

    /**
     * Returns a block to its class, found from the address alone.
     *
     * @throws IllegalArgumentException when {@code address} is not a block handed out by this
     *     allocator (outside the address space, off a slot boundary, never handed out; in debug
     *     mode also already free)
     * @throws IllegalStateException after {@link #close()}
     */
    public void free(long address) {
        classes[classIndexOf(address)].free(address);
    }

    /**
     * The usable size of the block at {@code address}: its class size.
     *
     * @throws IllegalArgumentException when {@code address} is outside this allocator's address space
     */
    public int usableSize(long address) {
        return sizes[classIndexOf(address)];
    }

    /**
     * The index of the block at {@code address} within its class: block {@code k} of class
     * {@code i} is the {@code k}-th block of that class's sub-range, so indices run from 0 to
     * {@code stats(i).slots() - 1}. Lets a caller keep per-block data in an array per class.
     *
     * @throws IllegalArgumentException when {@code address} is outside this allocator's address
     *     space or not the start of a block
     */
    public int blockIndex(long address) {
        int c = classIndexOf(address);
        int size = sizes[c];
        long offset = (address - base) & ((1L << spanShift) - 1);
        // offset / size without a division (tens of cycles): offset < 2^34 and the quotient < 2^28, so the
        // product's rounding error is far below the 0.5 added, and the floor is the exact quotient.
        long index = (long) ((offset + (size >>> 1)) * inverseSizes[c]);
        if (index * size != offset) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is not the start of a block of class %d (%d bytes)", address, c, size));
        }
        return (int) index;
    }

    /**
     * A direct {@link ByteBuffer} over the block at {@code address}: capacity
     * {@code usableSize(address)}, position 0, big-endian. Each call makes a new view (one native
     * call); views share the block's memory, are valid while the block is allocated, and must not
     * be touched after {@link #close()} (the memory is unmapped). Needs no JVM flag on any JDK.
     *
     * @throws IllegalArgumentException when {@code address} is outside this allocator's address
     *     space, not the start of a block, or a block never handed out
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuffer view(long address) {
        blockIndex(address);
        return classes[classIndexOf(address)].slotView(address);
    }

    /**
     * The address of block {@code block} of class {@code sizeClass} (the inverse of
     * {@link #blockIndex(long)}), whether handed out yet or not.
     *
     * @throws IndexOutOfBoundsException when the class or the block does not exist
     */
    public long blockAddress(int sizeClass, int block) {
        return classes[Objects.checkIndex(sizeClass, classes.length)].slotAddressAhead(block);
    }

    /**
     * The view {@link #view(long)} gives, of block {@code block} of class {@code sizeClass} whether
     * handed out yet or not: for a caller that makes its per-block objects ahead of the blocks' first
     * use (as {@code PercpuByteBufAllocator} does with its buffer objects). Nothing may touch the
     * view's memory before the block is handed out.
     *
     * @throws IndexOutOfBoundsException when the class or the block does not exist
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuffer viewAhead(int sizeClass, int block) {
        return classes[Objects.checkIndex(sizeClass, classes.length)].slotViewAhead(block);
    }

    /**
     * A snapshot of class {@code i}'s counters.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public SlabStats stats(int i) {
        return classes[i].stats();
    }

    /** Bytes handed out and not freed, over all classes (a racy sum of exact per-class snapshots). */
    public long inUseBytes() {
        long bytes = 0;
        for (int i = 0; i < classes.length; i++) {
            bytes += classes[i].stats().inUse() * sizes[i];
        }
        return bytes;
    }

    /**
     * In debug mode, hands each class's {@link LeakReport} of the blocks allocated now to the
     * configured leak handler, as {@link #close()} does, without closing anything (for an owner
     * that closes later, once its blocks are back). Returns the number of blocks reported: 0 when
     * debug mode is off. Exact when no other thread allocates or frees.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public long reportLeaks() {
        long reported = 0;
        for (SlabAllocator c : classes) {
            if (c.isDebug()) {
                LeakReport report = c.leaks();
                if (report.count() > 0) {
                    reported += report.count();
                    c.config().leakHandler().accept(report);
                }
            }
        }
        return reported;
    }

    /** {@link SlabAllocator#drain()} on every class; returns the slots moved. */
    public long drain() {
        long moved = 0;
        for (SlabAllocator c : classes) {
            moved += c.drain();
        }
        return moved;
    }

    /**
     * Closes every class (in debug mode each hands its leaks to the leak
     * handler), then unmaps the address space. Idempotent. An exception
     * from a leak handler propagates after every class is closed and the
     * address space unmapped.
     */
    @Override
    public void close() {
        synchronized (classes) {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException first = null;
            for (SlabAllocator c : classes) {
                try {
                    c.close();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            space.unmap();
            if (first != null) {
                throw first;
            }
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return classes[0].isClosed();
    }

    private int classIndexOf(long address) {
        long offset = address - base;
        if (Long.compareUnsigned(offset, totalBytes) >= 0) {
            throw new IllegalArgumentException(String.format(
                "address 0x%x is not in this allocator's address space [0x%x, 0x%x)", address, base, base + totalBytes));
        }
        return (int) (offset >>> spanShift);
    }
}
