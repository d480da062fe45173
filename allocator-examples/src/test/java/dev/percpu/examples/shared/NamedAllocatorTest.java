package dev.percpu.examples.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import org.junit.jupiter.api.Test;

/** The allocators by name that the server, the pipeline and the benchmarks share. */
class NamedAllocatorTest {
    @Test
    void everyNameMakesAnAllocatorThatAllocatesAndTakesItsBufferBack() {
        for (String name : NamedAllocator.NAMES.split(", ")) {
            try (NamedAllocator named = NamedAllocator.create(name, "fallback", "256m")) {
                assertEquals(name, named.name());
                ByteBuf buffer = named.allocator().directBuffer(4096);
                buffer.writeLong(42);
                assertEquals(42, buffer.getLong(0), name);
                assertTrue(buffer.release(), name + ": the buffer was not freed by its release");
                assertTrue(named.heldBytes() >= 0, name);
            }
        }
    }

    @Test
    void namesMatchWithoutRegardToCaseOrHyphens() {
        for (String spelling : new String[] {"pooledAllThreads", "POOLED-ALL-THREADS", "pooled-all-threads"}) {
            NamedAllocator named = NamedAllocator.create(spelling);
            assertEquals(spelling, named.name());
            PooledByteBufAllocatorMetric metric = ((PooledByteBufAllocator) named.allocator()).metric();
            assertEquals(PooledByteBufAllocator.defaultNumHeapArena(), metric.numHeapArenas(), spelling);
            assertEquals(PooledByteBufAllocator.defaultSmallCacheSize(), metric.smallCacheSize(), spelling);
        }
    }

    @Test
    void theDirectOnlyPooledAllocatorsHaveNoHeapArenaAndCacheOrNot() {
        PooledByteBufAllocatorMetric cached =
            ((PooledByteBufAllocator) NamedAllocator.create("pooled-direct-cached").allocator()).metric();
        assertEquals(0, cached.numHeapArenas());
        assertEquals(PooledByteBufAllocator.defaultNumDirectArena(), cached.numDirectArenas());
        assertEquals(PooledByteBufAllocator.defaultSmallCacheSize(), cached.smallCacheSize());
        assertEquals(PooledByteBufAllocator.defaultNormalCacheSize(), cached.normalCacheSize());
        PooledByteBufAllocatorMetric uncached =
            ((PooledByteBufAllocator) NamedAllocator.create("pooled-direct-uncached").allocator()).metric();
        assertEquals(0, uncached.numHeapArenas());
        assertEquals(0, uncached.smallCacheSize());
        assertEquals(0, uncached.normalCacheSize());
    }

    @Test
    void theSharedInstancesAreTheSharedInstances() {
        assertSame(PooledByteBufAllocator.DEFAULT, NamedAllocator.create("pooled-default").allocator());
        assertSame(PercpuByteBufAllocator.DEFAULT, NamedAllocator.create("percpuDefault").allocator());
    }

    @Test
    void closingPercpuDefaultLeavesItOpen() {
        NamedAllocator.create("percpu-default").close();
        assertFalse(PercpuByteBufAllocator.DEFAULT.isClosed(), "DEFAULT was closed");
    }

    @Test
    void percpuTakesTheModeAndTheCapGivenAndIsClosedWithIt() {
        NamedAllocator named = NamedAllocator.create("percpu", "fallback", "256m");
        PercpuByteBufAllocator percpu = (PercpuByteBufAllocator) named.allocator();
        assertEquals(Mode.FALLBACK, percpu.mode());
        assertEquals(256L << 20, percpu.maxMemory());
        assertTrue(named.tracksInUse());
        named.close();
        assertTrue(percpu.isClosed());
    }

    @Test
    void anUnknownNameOrModeIsRefusedWithTheNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NamedAllocator.create("jemalloc"));
        assertTrue(e.getMessage().contains(NamedAllocator.NAMES), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NamedAllocator.create("percpu", "fast", "1g"));
    }
}
