package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.ForkedJvm;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link BufferPool} adds to the pool contract: its views, handle states, and no allocation in steady state. */
class BufferPoolTest {
    private final BufferPool pool = BufferPool.create(SlabConfig.builder().slotSize(256).capacitySlots(8).build());

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void shouldHandOutClearedBigEndianByteBuffersOverTheSlot() {
        PooledBuffer handle = new PooledBuffer();
        pool.acquire(handle);
        ByteBuffer view = handle.byteBuffer();
        assertTrue(view.isDirect());
        assertEquals(0, view.position());
        assertEquals(256, view.limit());
        assertEquals(256, handle.capacity());
        assertEquals(ByteOrder.BIG_ENDIAN, view.order());
        view.order(ByteOrder.LITTLE_ENDIAN).position(100).limit(120).putInt(0, 0x01020304);
        UnsafeBuffer agrona = handle.unsafeBuffer();
        assertEquals(handle.address(), agrona.addressOffset());
        assertEquals(256, agrona.capacity());
        assertEquals(0x01020304, agrona.getInt(0, ByteOrder.LITTLE_ENDIAN), "both views see the same memory");
        long address = handle.address();
        pool.release(handle);
        pool.acquire(handle);
        assertEquals(address, handle.address(), "LIFO on this CPU: the same slot comes back");
        assertSame(view, handle.byteBuffer(), "one view per slot, reused");
        assertEquals(0, view.position());
        assertEquals(256, view.limit());
        assertEquals(ByteOrder.BIG_ENDIAN, view.order(), "reset on acquire");
        assertSame(agrona, handle.unsafeBuffer(), "one UnsafeBuffer per handle, re-wrapped");
        pool.release(handle);
    }

    @Test
    void shouldEmptyTheViewsOnRelease() {
        PooledBuffer handle = new PooledBuffer();
        pool.acquire(handle);
        ByteBuffer view = handle.byteBuffer();
        UnsafeBuffer agrona = handle.unsafeBuffer();
        pool.release(handle);
        assertFalse(handle.isAcquired());
        assertNull(handle.pool());
        assertThrows(IndexOutOfBoundsException.class, () -> view.getInt(0), "a stale ByteBuffer fails");
        assertThrows(IndexOutOfBoundsException.class, () -> agrona.getInt(0), "a stale UnsafeBuffer fails");
        assertThrows(IllegalStateException.class, handle::byteBuffer);
        assertThrows(IllegalStateException.class, handle::address);
    }

    @Test
    void shouldRefuseToAcquireIntoAHandleThatHoldsABuffer() {
        PooledBuffer handle = new PooledBuffer();
        pool.acquire(handle);
        long address = handle.address();
        assertThrows(IllegalStateException.class, () -> pool.acquire(handle));
        assertEquals(address, handle.address(), "the handle keeps its buffer");
        assertEquals(1, pool.stats().inUse(), "nothing leaked");
        pool.release(handle);
    }

    @Test
    void shouldThrowPoolExhaustedWhenEveryBufferIsOut() {
        PooledBuffer[] all = new PooledBuffer[8];
        for (int i = 0; i < 8; i++) {
            all[i] = new PooledBuffer();
            pool.acquire(all[i]);
        }
        PooledBuffer one = new PooledBuffer();
        assertFalse(pool.tryAcquire(one));
        assertFalse(one.isAcquired());
        assertThrows(PoolExhaustedException.class, () -> pool.acquire(one));
        for (PooledBuffer b : all) {
            pool.release(b);
        }
        assertTrue(pool.tryAcquire(one));
        pool.release(one);
    }

    @Test
    void shouldAllocateNothingPerAcquireAndReleaseInSteadyState() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PooledBuffer handle = new PooledBuffer();
        for (int i = 0; i < 50_000; i++) {
            cycle(handle);
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100_000; i++) {
            cycle(handle);
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 10_000, "100 000 acquire/release pairs allocated " + allocated + " bytes");
    }

    private void cycle(PooledBuffer handle) {
        pool.acquire(handle);
        handle.byteBuffer().putLong(0, 1);
        handle.unsafeBuffer().putLong(8, 2);
        pool.release(handle);
    }

    /** Without Agrona's --add-opens: the ByteBuffer path works, unsafeBuffer() fails (the documented flag). */
    @Test
    void shouldNeedTheAgronaFlagOnlyForUnsafeBufferViews() throws Exception {
        ForkedJvm run = ForkedJvm.run(NoAddOpensProbe.class, List.of(), Map.of());
        assertEquals("ok", run.value("byteBuffer"), run.toString());
        String agrona = run.value("unsafeBuffer");
        assertTrue(agrona != null && !agrona.equals("ok"), "UnsafeBuffer without the flag: " + run);
    }

    /** Main class of the forked JVM above. */
    static final class NoAddOpensProbe {
        public static void main(String[] args) {
            try (BufferPool pool = BufferPool.create(SlabConfig.builder().slotSize(64).capacitySlots(4).build())) {
                PooledBuffer handle = new PooledBuffer();
                pool.acquire(handle);
                handle.byteBuffer().putLong(0, 7);
                System.out.println("byteBuffer=" + (handle.byteBuffer().getLong(0) == 7 ? "ok" : "wrong"));
                try {
                    handle.unsafeBuffer().putLong(0, 8);
                    System.out.println("unsafeBuffer=ok");
                } catch (Throwable e) {
                    System.out.println("unsafeBuffer=" + e.getClass().getName());
                }
                pool.release(handle);
            }
        }
    }
}
