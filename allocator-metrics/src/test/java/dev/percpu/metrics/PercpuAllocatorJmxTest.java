package dev.percpu.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.SlabStats;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One MXBean per allocator on the platform MBean server: its attributes, read through the server,
 * equal the allocator's own figures; it is named uniquely and leaves the server when the allocator
 * closes. Run in rseq and fallback mode.
 */
class PercpuAllocatorJmxTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void attributesEqualTheAllocatorsFiguresAndTheMBeanLeavesAtClose(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = TestAllocators.open(mode);
        ObjectName name = PercpuAllocatorJmx.register(alloc, "jmx-" + mode);
        assertEquals(new ObjectName("dev.percpu:type=PercpuByteBufAllocator,name=jmx-" + mode), name);
        assertTrue(SERVER.isRegistered(name));
        for (MBeanAttributeInfo attribute : SERVER.getMBeanInfo(name).getAttributes()) {
            assertTrue(attribute.isReadable() && !attribute.isWritable(), attribute.getName() + " is read-only");
        }

        List<ByteBuf> kept = TestAllocators.traffic(alloc);
        assertEquals("jmx-" + mode, SERVER.getAttribute(name, "Name"));
        assertEquals(mode.name(), SERVER.getAttribute(name, "Mode"));
        assertEquals(false, SERVER.getAttribute(name, "Closed"));
        assertEquals(alloc.maxMemory(), SERVER.getAttribute(name, "MaxMemoryBytes"));
        assertEquals(alloc.committedBytes(), SERVER.getAttribute(name, "CommittedBytes"));
        assertEquals(alloc.pooledInUseBytes(), SERVER.getAttribute(name, "InUseBytes"));
        assertEquals(alloc.pooledCommittedBytes(), SERVER.getAttribute(name, "PooledCommittedBytes"));
        assertEquals(alloc.largeBytes(), SERVER.getAttribute(name, "LargeBytes"));
        assertEquals(alloc.largeBuffers(), SERVER.getAttribute(name, "LargeBuffers"));
        assertEquals(alloc.perCpuCacheBoundBytes(), SERVER.getAttribute(name, "PerCpuCacheBoundBytes"));
        assertEquals(alloc.eventLoopCacheBoundBytes(), SERVER.getAttribute(name, "EventLoopCacheBoundBytes"));
        assertEquals((long) alloc.eventLoopCaches(), SERVER.getAttribute(name, "EventLoopCaches"));
        assertEquals(alloc.bufferObjects(), SERVER.getAttribute(name, "BufferObjects"));
        assertEquals(alloc.fallbacks(), SERVER.getAttribute(name, "Fallbacks"));
        assertEquals(alloc.metric().usedHeapMemory(), SERVER.getAttribute(name, "UsedHeapMemory"));
        assertEquals(alloc.metric().usedDirectMemory(), SERVER.getAttribute(name, "UsedDirectMemory"));

        int[] sizes = (int[]) SERVER.getAttribute(name, "ClassSizes");
        assertEquals(alloc.classCount(), sizes.length);
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(alloc.classSize(i), sizes[i]);
        }
        assertClasses(alloc, name, "ClassInUseBytes", (s, size) -> s.inUse() * size);
        assertClasses(alloc, name, "ClassCachedOnCpusBytes", (s, size) -> s.freeOnCpus() * size);
        assertClasses(alloc, name, "ClassDepotBytes",
            (s, size) -> s.committedBytes() - s.inUse() * size - s.freeOnCpus() * size);
        assertClasses(alloc, name, "ClassCpuCacheCapacityBytes", (s, size) -> s.capacityOnCpus() * size);
        assertClasses(alloc, name, "ClassCommittedBytes", (s, size) -> s.committedBytes());
        assertClasses(alloc, name, "ClassHandedBackBytes", (s, size) -> s.trimmedBytes());
        assertClasses(alloc, name, "ClassRefills", (s, size) -> s.refills());
        assertClasses(alloc, name, "ClassFlushes", (s, size) -> s.flushes());
        assertClasses(alloc, name, "ClassSteals", (s, size) -> s.steals());
        assertClasses(alloc, name, "ClassSlowPathEntries", (s, size) -> s.slowPathEntries());

        PercpuAllocatorMXBean proxy = JMX.newMXBeanProxy(SERVER, name, PercpuAllocatorMXBean.class);
        assertEquals(alloc.committedBytes(), proxy.getCommittedBytes(), "the MXBean interface reads the same");

        alloc.close();
        assertFalse(SERVER.isRegistered(name), "closing the allocator unregistered its MBean");
        TestAllocators.releaseAll(kept);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void namesAreUniquePerAllocator(Mode mode) {
        try (PercpuByteBufAllocator first = TestAllocators.open(mode);
             PercpuByteBufAllocator second = TestAllocators.open(mode)) {
            ObjectName name = PercpuAllocatorJmx.register(first, "unique-" + mode);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PercpuAllocatorJmx.register(second, "unique-" + mode));
            assertTrue(e.getMessage().contains(name.toString()), e.getMessage());
            assertTrue(SERVER.isRegistered(name), "the refused registration left the first one alone");
            ObjectName other = PercpuAllocatorJmx.register(second, "unique-other-" + mode);
            assertTrue(SERVER.isRegistered(other));
        }
        assertFalse(SERVER.isRegistered(PercpuAllocatorJmx.objectName("unique-" + mode)));
        assertFalse(SERVER.isRegistered(PercpuAllocatorJmx.objectName("unique-other-" + mode)));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void anAllocatorClosedAlreadyIsUnregisteredAtOnce(Mode mode) {
        PercpuByteBufAllocator alloc = TestAllocators.open(mode);
        alloc.close();
        ObjectName name = PercpuAllocatorJmx.register(alloc, "closed-" + mode);
        assertFalse(SERVER.isRegistered(name));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void attributesOfAClosedAllocatorReadWithoutThrowing(Mode mode) {
        PercpuByteBufAllocator alloc = TestAllocators.open(mode);
        PercpuAllocatorMXBean view = new PercpuAllocatorView(alloc, "view");
        List<ByteBuf> kept = TestAllocators.traffic(alloc);
        alloc.close();
        TestAllocators.releaseAll(kept);
        assertTrue(alloc.isUnmapped());
        assertTrue(view.isClosed());
        assertEquals(0, view.getCommittedBytes());
        assertEquals(-1, view.getInUseBytes(), "a figure the allocator cannot give reads -1");
        long[] inUse = view.getClassInUseBytes();
        assertEquals(alloc.classCount(), inUse.length);
        for (long v : inUse) {
            assertEquals(-1, v);
        }
    }

    @Test
    void namesThatAnObjectNameCannotHoldAreQuoted() throws Exception {
        assertEquals(new ObjectName("dev.percpu:type=PercpuByteBufAllocator,name=\"a,b=c\""),
            PercpuAllocatorJmx.objectName("a,b=c"));
        assertEquals("a,b=c", ObjectName.unquote(PercpuAllocatorJmx.objectName("a,b=c").getKeyProperty("name")));
        assertThrows(IllegalArgumentException.class, () -> PercpuAllocatorJmx.objectName(""));
        assertThrows(NullPointerException.class, () -> PercpuAllocatorJmx.objectName(null));
    }

    private static void assertClasses(PercpuByteBufAllocator alloc, ObjectName name, String attribute,
                                      ClassFigure expected) throws Exception {
        long[] values = (long[]) SERVER.getAttribute(name, attribute);
        assertEquals(alloc.classCount(), values.length, attribute);
        for (int i = 0; i < values.length; i++) {
            assertEquals(expected.of(alloc.classStats(i), alloc.classSize(i)), values[i],
                attribute + " of class " + alloc.classSize(i));
        }
    }

    /** The expected figure of one class. */
    private interface ClassFigure {
        long of(SlabStats stats, int size);
    }
}
