package dev.percpu;

import dev.percpu.engine.Region;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One block of off-heap memory in its own anonymous mapping, for sizes above
 * a {@link SizeClassAllocator}'s largest class: {@link #map(long)} maps it
 * (its size rounded up to whole pages), {@link #unmap()} returns it to the
 * kernel. The memory is zero when mapped and page aligned.
 *
 * <p>Unmapping is idempotent and safe to race (one caller unmaps). The
 * {@link #view()} and the {@link #address()} are invalid after
 * {@link #unmap()}: touching them then is a use after free that can crash the
 * JVM, exactly as with memory freed by {@code free(3)}; the owner must make
 * sure nothing uses the block any more before unmapping it.
 */
public final class LargeBlock {
    private static final long PAGE = SizeClassConfig.PAGE_SIZE;

    private final Region region;
    private final ByteBuffer view;
    private final AtomicBoolean unmapped = new AtomicBoolean();

    private LargeBlock(Region region) {
        this.region = region;
        this.view = region.view(region.address(), (int) region.bytes()).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Maps a block of at least {@code bytes} bytes (rounded up to a multiple of {@value SizeClassConfig#PAGE_SIZE}).
     *
     * @throws IllegalArgumentException when {@code bytes < 1} or the rounded size exceeds {@link Integer#MAX_VALUE}
     *     (a {@link ByteBuffer} cannot view more)
     * @throws OutOfMemoryError when the kernel refuses the mapping
     * @throws UnsupportedOperationException where percpu cannot run ({@link dev.percpu.runtime.PercpuRuntime#isAvailable()} is false)
     */
    public static LargeBlock map(long bytes) {
        long rounded = (bytes + PAGE - 1) & -PAGE;
        if (bytes < 1 || rounded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bytes " + bytes + " must be in [1, " + (Integer.MAX_VALUE & -PAGE) + "]");
        }
        Region region = Region.map(rounded);
        try {
            return new LargeBlock(region);
        } catch (RuntimeException | Error e) {
            region.unmap();
            throw e;
        }
    }

    /** Address of the first byte (page aligned). */
    public long address() {
        return region.address();
    }

    /** Size in bytes: the requested size rounded up to whole pages. */
    public long bytes() {
        return region.bytes();
    }

    /** A direct, big-endian {@link ByteBuffer} over the whole block (the same object on every call). */
    public ByteBuffer view() {
        return view;
    }

    /**
     * Returns the memory to the kernel; returns whether this call did it (false when already unmapped).
     */
    public boolean unmap() {
        if (!unmapped.compareAndSet(false, true)) {
            return false;
        }
        region.unmap();
        return true;
    }

    @Override
    public String toString() {
        return String.format("LargeBlock[0x%x, %d bytes%s]", region.address(), region.bytes(),
            unmapped.get() ? ", unmapped" : "");
    }
}
