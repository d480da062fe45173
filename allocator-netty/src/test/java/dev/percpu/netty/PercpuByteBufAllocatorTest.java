package dev.percpu.netty;

import static dev.percpu.netty.OpenAllocators.percpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.LeakReport;
import dev.percpu.runtime.Mode;
import dev.percpu.PoolExhaustedException;
import dev.percpu.SlabStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link PercpuByteBufAllocator}: where requests go, limits, fallback, cap, metrics, close, debug mode. */
class PercpuByteBufAllocatorTest {
    /** Blocks the debug-mode test frees after the written one, burying it. */
    private static final int BURYING_BLOCKS = 100;
    /**
     * Blocks the debug-mode test keeps per round: eight refills of the default batch of 32 (the 64-byte
     * class's per-CPU capacity, 512 by default, holds a whole batch).
     */
    private static final int BLOCKS_PER_ROUND = 256;
    /** Rounds the debug-mode test runs at most: 51,200 blocks of 64 bytes, 3.3 MB. */
    private static final int DEBUG_ROUNDS = 200;
    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldHandOutDirectPercpuBuffersFromEveryEntryPoint(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        assertTrue(alloc.isDirectBufferPooled());
        for (ByteBuf buf : List.of(alloc.buffer(), alloc.buffer(100), alloc.buffer(10, 20), alloc.ioBuffer(),
            alloc.ioBuffer(300), alloc.ioBuffer(10, 30), alloc.directBuffer(), alloc.directBuffer(5000))) {
            assertTrue(buf.isDirect());
            assertSame(alloc, buf.alloc());
            assertTrue(percpu(buf).blockBytes() >= buf.capacity());
            buf.release();
        }
        ByteBuf heap = alloc.heapBuffer(1000);
        assertFalse(heap.isDirect());
        assertTrue(heap.hasArray());
        assertEquals(1000, alloc.metric().usedHeapMemory());
        heap.release();
        assertEquals(0, alloc.metric().usedHeapMemory());
        CompositeByteBuf composite = alloc.compositeDirectBuffer();
        composite.addComponent(true, alloc.directBuffer(10).writeInt(1)).addComponent(true, alloc.directBuffer(10).writeInt(2));
        assertEquals(2, composite.getInt(4));
        composite.release();
        assertEquals(0, alloc.pooledInUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeTheSmallestClassAndGrowByDoubling(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf buf = alloc.directBuffer(1000);
        assertEquals(1000, buf.capacity());
        assertEquals(1024, percpu(buf).blockBytes());
        buf.writeZero(1024);
        assertEquals(1024, buf.capacity(), "the class's slack is used before moving");
        buf.writeByte(1);
        assertEquals(2048, buf.capacity(), "doubles, as Netty, to the class of the next power of two");
        assertEquals(2048, alloc.calculateNewCapacity(1025, Integer.MAX_VALUE));
        assertEquals(64, alloc.calculateNewCapacity(0, Integer.MAX_VALUE), "at least 64, as Netty");
        assertEquals(40960, alloc.calculateNewCapacity(40000, 40960), "capped at maxCapacity");
        assertEquals(1 << 20, alloc.calculateNewCapacity(1_000_000, Integer.MAX_VALUE));
        assertEquals(1100, alloc.calculateNewCapacity(1025, 1100), "capped at maxCapacity");
        assertEquals(0, alloc.calculateNewCapacity(2_000_000, Integer.MAX_VALUE) % 4096);
        buf.release();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldMakeBufferObjectsAheadOfTheBlocksFirstUse(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        int c = 0;
        while (alloc.classSize(c) < 256) {
            c++;
        }
        SlabStats stats = alloc.classStats(c);
        int perCpu = (int) (stats.capacityOnCpus() / stats.cpus());
        ByteBuf[] held = new ByteBuf[3 * perCpu];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        // Netty's leak detector (SIMPLE by default) records a stack trace for one buffer in 128.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            // Warm: every path once (refill, flush, the first wrapping), with up to one and a half CPU caches of
            // buffers alive at once: wrappers are made in bounded steps, never far past the blocks used ...
            holdAndRelease(alloc, held, perCpu);
            holdAndRelease(alloc, held, perCpu + perCpu / 2);
            int carvedWarm = alloc.classStats(c).carvedSlots();
            long objectsWarm = alloc.bufferObjects();
            assertTrue(objectsWarm <= carvedWarm + BlockWrappers.WRAP_STEP,
                "objects made at most one step past the carved blocks: " + objectsWarm + " for " + carvedWarm);
            // ... so the same pattern again makes no object and allocates no heap ...
            threads.getCurrentThreadAllocatedBytes();
            long before = threads.getCurrentThreadAllocatedBytes();
            holdAndRelease(alloc, held, perCpu + perCpu / 2);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (alloc.classStats(c).carvedSlots() == carvedWarm) {
                // (A migration in between can make another CPU carve blocks of its own: then this half proves nothing.)
                assertEquals(objectsWarm, alloc.bufferObjects(), "a warm allocator makes no buffer object");
                assertEquals(0, allocated, "nor any heap bytes");
            }
            // ... and a new high of three caches' worth makes objects for the new blocks, a bounded step ahead.
            holdAndRelease(alloc, held, held.length);
            assertTrue(alloc.classStats(c).carvedSlots() > carvedWarm, "blocks used for the first time");
            assertTrue(alloc.bufferObjects() > objectsWarm);
            assertTrue(alloc.bufferObjects() <= alloc.classStats(c).carvedSlots() + BlockWrappers.WRAP_STEP);
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
        assertEquals(0, alloc.pooledInUseBytes());
    }

    private static void holdAndRelease(PercpuByteBufAllocator alloc, ByteBuf[] held, int count) {
        for (int i = 0; i < count; i++) {
            held[i] = alloc.directBuffer(256);
        }
        for (int i = 0; i < count; i++) {
            held[i].release();
            held[i] = null;
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldRejectBadCapacitiesAsNettyDoes(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        assertThrows(IllegalArgumentException.class, () -> alloc.directBuffer(-1));
        assertThrows(IllegalArgumentException.class, () -> alloc.directBuffer(10, 5));
        assertThrows(IllegalArgumentException.class, () -> alloc.buffer(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> alloc.calculateNewCapacity(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> alloc.calculateNewCapacity(6, 5));
        ByteBuf buf = alloc.directBuffer(8, 16);
        assertThrows(IllegalArgumentException.class, () -> buf.capacity(17));
        assertThrows(IndexOutOfBoundsException.class, () -> buf.writeZero(17));
        buf.release();
        assertEquals(0, alloc.pooledInUseBytes());
        assertThrows(IllegalArgumentException.class,
            () -> PercpuByteBufAllocator.builder().maxMemory((1 << 20) - 1).build(), "below the largest class");
        assertThrows(IllegalArgumentException.class, () -> PercpuByteBufAllocator.builder().maxMemory(0).build());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeCapacitiesAboveTheLargestClassFromTheLargePathAndCountThem(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        long before = alloc.metric().usedDirectMemory();
        ByteBuf large = alloc.directBuffer((1 << 20) + 1);
        assertTrue(percpu(large).isLarge());
        assertEquals((1 << 20) + 4096, alloc.largeBytes());
        assertEquals(1, alloc.largeBuffers());
        assertEquals(before + (1 << 20) + 4096, alloc.metric().usedDirectMemory());
        large.setByte((1 << 20), 5);
        large.capacity(100);
        assertFalse(percpu(large).isLarge(), "shrinking moves back to a class");
        assertEquals(0, alloc.largeBytes());
        large.release();
        assertEquals(0, alloc.largeBuffers());
        assertEquals(0, alloc.pooledInUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldLetAnyClassUseTheWholeCapThenFallBackToLargerClassesThenThrow(Mode mode) {
        // Classes of 2048 B and 4096 B, one cap of 32 KiB for both and the large path; no hand-back thread.
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.classSizes(2048, 4096)
            .maxMemory(32 << 10).perCpuCacheBytes(0).handBackAfter(Duration.ZERO));
        assertEquals(mode, alloc.mode());
        List<ByteBuf> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(alloc.directBuffer(4000));
        }
        assertEquals(32 << 10, alloc.committedBytes(), "one class took the whole cap");
        assertEquals(0, alloc.fallbacks());
        held.forEach(ByteBuf::release);
        held.clear();
        ByteBuf small = alloc.directBuffer(2000);
        assertEquals(1, alloc.fallbacks(), "the 2 KiB class cannot grow: the cap is committed to the 4 KiB class");
        assertEquals(4096, percpu(small).blockBytes(), "served by a free block of the next class");
        held.add(small);
        for (int i = 1; i < 8; i++) {
            held.add(alloc.directBuffer(2000));
        }
        PoolExhaustedException capped = assertThrows(PoolExhaustedException.class, () -> alloc.directBuffer(1));
        assertTrue(capped.getMessage().contains("memory cap"), capped.getMessage());
        assertEquals(alloc.maxMemory(), alloc.metric().usedDirectMemory(), "the cap is committed, never more");
        held.forEach(ByteBuf::release);
        held.clear();
        assertEquals(0, alloc.pooledInUseBytes());
        alloc.drain();
        alloc.trim();
        assertEquals(0, alloc.committedBytes(), "every chunk was free: handed back");
        for (int i = 0; i < 16; i++) {
            held.add(alloc.directBuffer(2000));
        }
        assertEquals(16 * 2048, alloc.committedBytes(), "the other class now grows into the whole cap");
        assertTrue(held.stream().allMatch(b -> percpu(b).blockBytes() == 2048));
        held.forEach(ByteBuf::release);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldThrowOnDoubleReleaseAndLeaveThePoolIntact(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf buf = alloc.directBuffer(256);
        int sizeClass = percpu(buf).sizeClass();
        assertTrue(buf.release());
        assertThrows(IllegalReferenceCountException.class, buf::release);
        assertThrows(IllegalReferenceCountException.class, () -> buf.release(2));
        assertEquals(0, alloc.classStats(sizeClass).inUse());
        assertEquals(alloc.classStats(sizeClass).slots(),
            alloc.classStats(sizeClass).depotFree() + alloc.classStats(sizeClass).freeOnCpus(), "every block free once");
        ByteBuf again = alloc.directBuffer(256);
        assertEquals(1, again.refCnt());
        again.release();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldKeepLiveBuffersUsableAfterCloseAndUnmapWithTheLastRelease(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf live = alloc.directBuffer(100).writeLong(42);
        ByteBuf large = alloc.directBuffer(2 << 20).writeLong(43);
        alloc.close();
        assertTrue(alloc.isClosed());
        assertFalse(alloc.isUnmapped());
        assertThrows(IllegalStateException.class, () -> alloc.directBuffer(10));
        assertThrows(IllegalStateException.class, () -> alloc.directBuffer(2 << 20));
        assertEquals(42, live.readLong());
        live.setLong(0, 7);
        assertThrows(IllegalStateException.class, () -> live.capacity(100_000), "cannot move after close");
        assertEquals(7, live.getLong(0));
        live.release();
        assertFalse(alloc.isUnmapped(), "the large buffer still lives in the allocator's memory");
        assertEquals(43, large.readLong());
        large.release();
        assertTrue(alloc.isUnmapped());
        assertEquals(0, alloc.largeBytes());
        alloc.close();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldReportBuffersAliveAtCloseInDebugMode(Mode mode) {
        List<LeakReport> leaks = new ArrayList<>();
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.debug(true).debugStackTraces(1)
            .leakHandler(leaks::add));
        alloc.directBuffer(64).release();
        ByteBuf alive = alloc.directBuffer(100);
        alloc.close();
        assertEquals(1, leaks.size(), "one class has a live block");
        assertEquals(1, leaks.get(0).count());
        assertEquals(alive.memoryAddress(), leaks.get(0).address(0));
        alloc.close();
        assertEquals(1, leaks.size(), "reported once");
        alive.release();
        assertTrue(alloc.isUnmapped());
        assertEquals(1, leaks.size(), "nothing left to report when the last block comes back");
    }

    @Test
    void shouldNeverCloseTheDefaultInstance() {
        PercpuByteBufAllocator alloc = PercpuByteBufAllocator.DEFAULT;
        assertThrows(UnsupportedOperationException.class, alloc::close);
        assertFalse(alloc.isClosed());
        ByteBuf buf = alloc.buffer(4096);
        assertTrue(buf.isDirect());
        assertTrue(alloc.maxMemory() >= PercpuByteBufAllocator.MIN_DEFAULT_MAX_MEMORY);
        assertTrue(alloc.metric().usedDirectMemory() >= 4096);
        assertTrue(((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory() <= alloc.maxMemory());
        buf.release();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldReachPercpuDebugModeUnderneath(Mode mode) {
        List<LeakReport> leaks = new ArrayList<>();
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.debug(true).leakHandler(leaks::add));
        ByteBuf buf = alloc.directBuffer(64);
        ByteBuffer stale = buf.nioBuffer(0, 64);
        List<ByteBuf> buriers = new ArrayList<>();
        for (int i = 0; i < BURYING_BLOCKS; i++) {
            buriers.add(alloc.directBuffer(64));
        }
        buf.release();
        stale.putLong(0, 1);
        buriers.forEach(ByteBuf::release);
        // Debug mode checks a block when it is handed out again. The blocks freed after it bury the written
        // block, in a CPU's cache or under them in the depot, as a migration between allocation and release
        // can do too. A refill hands out the last block of its batch, and a batch the depot cannot fill ends
        // in freshly carved blocks, so taking one block per drain would circle the last batch's worth of old
        // blocks between cache and depot for good. Each round here drains every cache into the depot, then
        // keeps more blocks than several refills: the blocks free at the release leave the free lists (depot
        // and CPU caches) only by being handed out, a round on one CPU hands out its refill batches whole,
        // and blocks left in a cache when the thread moves go back to the depot with the next drain.
        IllegalStateException written = assertThrows(IllegalStateException.class, () -> {
            for (int round = 0; round < DEBUG_ROUNDS; round++) {
                alloc.drain();
                for (int i = 0; i < BLOCKS_PER_ROUND; i++) {
                    alloc.directBuffer(64);
                }
            }
        });
        assertTrue(written.getMessage().contains("written after it was freed"), written.getMessage());
    }
}
