package dev.percpu.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.SlabStats;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The binder's meters report the allocator's own figures: traffic is driven on one thread, which
 * then stands still, so every figure is exact and must equal what the allocator and
 * {@code classStats(i)} say; run in rseq and fallback mode.
 */
class PercpuAllocatorMetricsTest {

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void metersEqualTheAllocatorsFiguresAfterTraffic(Mode mode) {
        try (PercpuByteBufAllocator alloc = TestAllocators.open(mode)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new PercpuAllocatorMetrics(alloc, "http", Tags.of("app", "test")).bindTo(registry);
            List<ByteBuf> kept = TestAllocators.traffic(alloc);

            assertTrue(alloc.pooledInUseBytes() > 0 && alloc.largeBytes() > 0, "the traffic left buffers alive");
            assertAllocatorGauge(registry, "percpu.allocator.memory.max", alloc.maxMemory());
            assertAllocatorGauge(registry, "percpu.allocator.memory.committed", alloc.committedBytes());
            assertAllocatorGauge(registry, "percpu.allocator.memory.used", alloc.pooledInUseBytes());
            assertAllocatorGauge(registry, "percpu.allocator.pooled.committed", alloc.pooledCommittedBytes());
            assertAllocatorGauge(registry, "percpu.allocator.large.used", alloc.largeBytes());
            assertAllocatorGauge(registry, "percpu.allocator.large.buffers", alloc.largeBuffers());
            assertAllocatorGauge(registry, "percpu.allocator.cpu.cache.bound", alloc.perCpuCacheBoundBytes());
            assertAllocatorGauge(registry, "percpu.allocator.eventloop.cache.bound", alloc.eventLoopCacheBoundBytes());
            assertAllocatorGauge(registry, "percpu.allocator.eventloop.caches", alloc.eventLoopCaches());
            assertAllocatorGauge(registry, "percpu.allocator.buffer.objects", alloc.bufferObjects());
            assertEquals(alloc.fallbacks(), find(registry, "percpu.allocator.fallbacks").functionCounter().count());

            long classInUse = 0;
            long classCommitted = 0;
            long refills = 0;
            for (int i = 0; i < alloc.classCount(); i++) {
                int size = alloc.classSize(i);
                SlabStats s = alloc.classStats(i);
                assertClassGauge(registry, "percpu.class.used", size, s.inUse() * size);
                assertClassGauge(registry, "percpu.class.cached.cpu", size, s.freeOnCpus() * size);
                assertClassGauge(registry, "percpu.class.cached.depot", size,
                    s.committedBytes() - s.inUse() * size - s.freeOnCpus() * size);
                assertClassGauge(registry, "percpu.class.cpu.cache.capacity", size, s.capacityOnCpus() * size);
                assertClassGauge(registry, "percpu.class.committed", size, s.committedBytes());
                assertClassCounter(registry, "percpu.class.handed.back", size, s.trimmedBytes());
                assertClassCounter(registry, "percpu.class.refills", size, s.refills());
                assertClassCounter(registry, "percpu.class.flushes", size, s.flushes());
                assertClassCounter(registry, "percpu.class.steals", size, s.steals());
                assertClassCounter(registry, "percpu.class.slow.path", size, s.slowPathEntries());
                classInUse += s.inUse() * size;
                classCommitted += s.committedBytes();
                refills += s.refills();
            }
            assertEquals(alloc.pooledInUseBytes(), classInUse + alloc.largeBytes(),
                "per-class bytes in use and the large path's add up to the allocator's figure");
            assertEquals(alloc.pooledCommittedBytes(), classCommitted, "per-class committed bytes add up");
            assertTrue(refills > 0, "300 buffers of a class cannot all come from the CPU stacks without a refill");

            assertEquals(alloc.metric().usedDirectMemory(), nettyUsed(registry, "direct"));
            assertEquals(alloc.metric().usedHeapMemory(), nettyUsed(registry, "heap"));
            assertTrue(alloc.metric().usedHeapMemory() >= 5000, "the heap buffer is counted");

            TestAllocators.releaseAll(kept);
            assertAllocatorGauge(registry, "percpu.allocator.memory.used", 0);
            assertAllocatorGauge(registry, "percpu.allocator.large.buffers", 0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void metersAreNamedAndTaggedByMicrometersConventions(Mode mode) {
        try (PercpuByteBufAllocator alloc = TestAllocators.open(mode)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new PercpuAllocatorMetrics(alloc, "http").bindTo(registry);
            Set<String> classSizes = new TreeSet<>();
            for (Meter meter : registry.getMeters()) {
                Meter.Id id = meter.getId();
                if (id.getName().startsWith("netty.")) {
                    assertEquals("netty.allocator.memory.used", id.getName());
                    assertEquals("PercpuByteBufAllocator", id.getTag("allocator.type"));
                    continue;
                }
                assertTrue(id.getName().matches("percpu\\.(allocator|class)(\\.[a-z]+)+"), id.getName());
                assertEquals("http", id.getTag(PercpuAllocatorMetrics.ALLOCATOR_TAG), id.toString());
                assertEquals(mode.name(), id.getTag(PercpuAllocatorMetrics.MODE_TAG), id.toString());
                boolean bytes = id.getName().matches(".*\\.(max|committed|used|bound|cpu|depot|capacity|back)");
                assertEquals(bytes ? "bytes" : null, id.getBaseUnit(), id + ": sizes in bytes, counts unitless");
                if (id.getName().startsWith("percpu.class.")) {
                    classSizes.add(id.getTag(PercpuAllocatorMetrics.CLASS_SIZE_TAG));
                }
            }
            assertEquals(alloc.classCount(), classSizes.size(), "one set of class meters per class");
            assertEquals(2, registry.find("netty.allocator.memory.used").meters().size(), "heap and direct");
            assertEquals("bytes", find(registry, "percpu.allocator.memory.committed").gauge().getId().getBaseUnit());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void aClosedAllocatorsMetersReadWithoutThrowing(Mode mode) {
        PercpuByteBufAllocator alloc = TestAllocators.open(mode);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new PercpuAllocatorMetrics(alloc, "http").bindTo(registry);
        List<ByteBuf> kept = TestAllocators.traffic(alloc);
        alloc.close();

        assertTrue(alloc.isClosed() && !alloc.isUnmapped(), "buffers alive keep the memory mapped");
        assertAllocatorGauge(registry, "percpu.allocator.memory.used", alloc.pooledInUseBytes());
        assertClassGauge(registry, "percpu.class.committed", alloc.classSize(0), alloc.classStats(0).committedBytes());
        readEveryMeter(registry);

        TestAllocators.releaseAll(kept);
        assertTrue(alloc.isUnmapped(), "the last release unmapped the memory");
        assertThrows(IllegalStateException.class, () -> alloc.classStats(0), "the allocator itself throws here");
        readEveryMeter(registry);
        assertAllocatorGauge(registry, "percpu.allocator.memory.committed", 0);
        assertAllocatorGauge(registry, "percpu.allocator.large.used", 0);
        assertEquals(0, nettyUsed(registry, "direct"));
        assertTrue(Double.isNaN(find(registry, "percpu.allocator.memory.used").gauge().value()));
        for (Meter meter : registry.find("percpu.class.used").meters()) {
            assertTrue(Double.isNaN(((Gauge) meter).value()), meter.getId() + " reads NaN once unmapped");
        }
        for (Meter meter : registry.find("percpu.class.refills").meters()) {
            assertTrue(Double.isNaN(((FunctionCounter) meter).count()), meter.getId() + " reads NaN once unmapped");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void badArgumentsAreRefused(Mode mode) {
        try (PercpuByteBufAllocator alloc = TestAllocators.open(mode)) {
            assertThrows(IllegalArgumentException.class, () -> new PercpuAllocatorMetrics(alloc, " "));
            assertThrows(NullPointerException.class, () -> new PercpuAllocatorMetrics(alloc, null));
            assertThrows(NullPointerException.class, () -> new PercpuAllocatorMetrics(null, "http"));
        }
    }

    /** Every meter's measurements, read as a scrape would (none may throw). */
    private static void readEveryMeter(SimpleMeterRegistry registry) {
        int read = 0;
        for (Meter meter : registry.getMeters()) {
            for (Measurement m : meter.measure()) {
                m.getValue();
                read++;
            }
        }
        assertFalse(read == 0);
    }

    private static RequiredSearch find(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag(PercpuAllocatorMetrics.ALLOCATOR_TAG, "http");
    }

    private static void assertAllocatorGauge(SimpleMeterRegistry registry, String name, long expected) {
        assertEquals((double) expected, find(registry, name).gauge().value(), name);
    }

    private static void assertClassGauge(SimpleMeterRegistry registry, String name, int size, long expected) {
        assertEquals((double) expected,
            find(registry, name).tag(PercpuAllocatorMetrics.CLASS_SIZE_TAG, Integer.toString(size)).gauge().value(),
            name + " of class " + size);
    }

    private static void assertClassCounter(SimpleMeterRegistry registry, String name, int size, long expected) {
        assertEquals((double) expected,
            find(registry, name).tag(PercpuAllocatorMetrics.CLASS_SIZE_TAG, Integer.toString(size))
                .functionCounter().count(),
            name + " of class " + size);
    }

    private static double nettyUsed(SimpleMeterRegistry registry, String memoryType) {
        return registry.get("netty.allocator.memory.used").tag("memory.type", memoryType).gauge().value();
    }
}
