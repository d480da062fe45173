package dev.percpu.netty;

import static dev.percpu.netty.OpenAllocators.percpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Growth and memory figures as Netty documents them:
 * {@code ByteBuf#maxFastWritableBytes()} (at least {@code writableBytes()},
 * at most {@code maxWritableBytes()}, and writable "without involving an
 * internal reallocation or data-copy"), {@code calculateNewCapacity} (at
 * least the requested capacity, at most the maximum, an
 * {@code IllegalArgumentException} otherwise) and
 * {@code ByteBufAllocatorMetric#usedDirectMemory()} (the direct memory the
 * allocator uses, so at least what its live buffers hold) through growth and
 * release.
 */
class PercpuByteBufGrowthContractTest {
    /** Initial capacities: tiny, inside small classes, a class boundary, the largest classes, the large path. */
    private static final int[] CAPACITIES = {0, 1, 100, 1000, 1024, 5000, 70_000, 600_000, 1 << 20, 3_000_000};

    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldWriteMaxFastWritableBytesWithoutMovingOrCopying(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        for (int capacity : CAPACITIES) {
            for (int maxCapacity : new int[] {Integer.MAX_VALUE, capacity + 10}) {
                ByteBuf buf = alloc.directBuffer(capacity, maxCapacity);
                int written = capacity / 2;
                fill(buf, written);
                int fast = buf.maxFastWritableBytes();
                String what = "capacity " + capacity + ", max " + maxCapacity;
                assertTrue(fast >= buf.writableBytes(), what + ": at least writableBytes");
                assertTrue(fast <= buf.maxWritableBytes(), what + ": at most maxWritableBytes");
                long address = buf.memoryAddress();
                fill(buf, fast);
                assertEquals(address, buf.memoryAddress(), what + ": the fast bytes were written in place");
                assertEquals(written + fast, buf.writerIndex());
                assertEquals(0, buf.maxFastWritableBytes(), what + ": nothing more fits in place");
                assertTrue(buf.capacity() >= buf.writerIndex() && buf.capacity() <= percpu(buf).blockBytes());
                if (buf.maxWritableBytes() > 0) {
                    fill(buf, 1);
                    assertTrue(buf.maxFastWritableBytes() >= buf.writableBytes(), what + ": after a move too");
                }
                check(buf);
                buf.release();
            }
        }
        assertEquals(0, alloc.pooledInUseBytes(), "every block back");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCalculateNewCapacitiesBetweenTheRequestAndTheMaximum(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        Random random = new Random(42);
        int previous = 0;
        for (int request = 0; request <= 8 << 20; request += 1 + random.nextInt(request / 8 + 64)) {
            int grown = alloc.calculateNewCapacity(request, Integer.MAX_VALUE);
            assertTrue(grown >= request, request + " -> " + grown);
            assertTrue(grown >= previous, "never less for a larger request: " + request + " -> " + grown);
            previous = grown;
            int max = request + random.nextInt(1 << 16);
            int capped = alloc.calculateNewCapacity(request, max);
            assertTrue(capped >= request && capped <= max, request + " up to " + max + " -> " + capped);
            assertEquals(Math.min(grown, max), capped, "the maximum caps the same growth");
            if (grown <= alloc.maxPooledCapacity()) {
                ByteBuf buf = alloc.directBuffer(grown);
                assertEquals(Math.max(grown, alloc.classSize(0)), percpu(buf).blockBytes(),
                    "a capacity grown to fills its block: " + request);
                buf.release();
            }
        }
        assertEquals(Integer.MAX_VALUE, alloc.calculateNewCapacity(Integer.MAX_VALUE, Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> alloc.calculateNewCapacity(-1, 100));
        assertThrows(IllegalArgumentException.class, () -> alloc.calculateNewCapacity(101, 100));
        assertEquals(0, alloc.pooledInUseBytes(), "every block back");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCountWhatLiveBuffersHoldInUsedDirectMemoryThroughGrowthAndRelease(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBufAllocatorMetric metric = alloc.metric();
        assertTrue(metric.usedDirectMemory() >= 0, "known, so not -1");
        ByteBuf small = alloc.directBuffer(100);
        ByteBuf growing = alloc.directBuffer(100);
        checkUsed(alloc, small, growing);
        for (int target : new int[] {5000, 70_000, 1 << 20, 3_000_000}) {
            fill(growing, target - growing.writerIndex());
            assertTrue(growing.capacity() >= target);
            checkUsed(alloc, small, growing);
        }
        assertTrue(percpu(growing).isLarge(), "grown into the large path");
        check(growing);
        long beforeRelease = metric.usedDirectMemory();
        growing.release();
        long afterRelease = metric.usedDirectMemory();
        assertTrue(afterRelease <= beforeRelease, "a release never adds used memory");
        assertTrue(afterRelease >= percpu(small).blockBytes(), "the live buffer is still counted");
        small.release();
        assertTrue(metric.usedDirectMemory() <= afterRelease);
        assertTrue(metric.usedDirectMemory() >= 0 && metric.usedDirectMemory() <= alloc.maxMemory());
        assertEquals(0, alloc.pooledInUseBytes(), "every block back");
        assertEquals(0, alloc.largeBuffers());
    }

    /** The live buffers' blocks are counted, and the figure stays within the cap. */
    private static void checkUsed(PercpuByteBufAllocator alloc, ByteBuf... live) {
        long held = 0;
        for (ByteBuf buf : live) {
            held += percpu(buf).blockBytes();
        }
        long used = alloc.metric().usedDirectMemory();
        assertTrue(used >= held, "used " + used + " < held by live buffers " + held);
        assertTrue(used >= alloc.pooledInUseBytes() + alloc.largeBytes(), "counts in-use and large bytes");
        assertTrue(used <= alloc.maxMemory(), "within the cap");
    }

    /** Writes {@code n} bytes of the pattern {@code (byte) index} at the writer index. */
    private static void fill(ByteBuf buf, int n) {
        for (int i = 0; i < n; i++) {
            buf.writeByte((byte) buf.writerIndex());
        }
    }

    /** Every written byte is the pattern {@link #fill} wrote. */
    private static void check(ByteBuf buf) {
        for (int i = 0; i < buf.writerIndex(); i++) {
            if (buf.getByte(i) != (byte) i) {
                throw new AssertionError("byte " + i + " of " + buf.writerIndex() + " changed");
            }
        }
    }
}
