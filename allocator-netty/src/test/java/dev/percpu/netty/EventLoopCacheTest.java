package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The event-loop front caches: only on {@code FastThreadLocalThread}s, bounded
 * per class, emptied when the event loop is idle, when the thread ends and
 * after close; every block owned exactly once whatever threads allocate and
 * release.
 */
class EventLoopCacheTest {
    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeAnEventLoopThreadFromItsCacheUpToTheBound(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ZERO));
        onFastThread(() -> {
            ByteBuf first = alloc.directBuffer(1024);
            PercpuByteBuf object = OpenAllocators.percpu(first);
            first.release();
            assertEquals(1024, alloc.pooledInUseBytes(), "the released buffer stays in the thread's cache");
            ByteBuf again = alloc.directBuffer(1000);
            assertSame(object, OpenAllocators.percpu(again), "and serves the next allocation of its class");
            again.release();
            List<ByteBuf> many = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                many.add(alloc.directBuffer(1024));
            }
            many.forEach(ByteBuf::release);
            assertEquals(4 * 1024, alloc.pooledInUseBytes(), "at most 4 buffers of a class are cached");
            List<ByteBuf> big = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                big.add(alloc.directBuffer(8192));
                big.add(alloc.directBuffer(32768));
            }
            big.forEach(ByteBuf::release);
            assertEquals(4 * 1024 + 2 * 8192, alloc.pooledInUseBytes(),
                "16 KiB a class: two 8 KiB buffers, no 32 KiB one");
            assertTrue(alloc.pooledInUseBytes() <= alloc.eventLoopCacheBoundBytes());
            assertEquals(1, alloc.eventLoopCaches());
            assertTrue(alloc.trimCurrentThreadCache());
            assertEquals(0, alloc.pooledInUseBytes(), "trimmed: every block back");
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldKeepNoCacheOnPlainOrVirtualThreadsOrInDebugMode(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        alloc.directBuffer(1024).release();
        assertEquals(0, alloc.pooledInUseBytes(), "a plain thread gives the block back at once");
        assertFalse(alloc.trimCurrentThreadCache());
        Thread virtual = startVirtualThread(() -> alloc.directBuffer(1024).release());
        if (virtual != null) {
            virtual.join();
            assertEquals(0, alloc.pooledInUseBytes(), "a virtual thread gives the block back at once");
        }
        assertEquals(0, alloc.eventLoopCaches());
        PercpuByteBufAllocator debug = allocators.open(mode, b -> b.debug(true));
        assertEquals(0, debug.eventLoopCacheBoundBytes());
        onFastThread(() -> {
            debug.directBuffer(1024).release();
            assertEquals(0, debug.pooledInUseBytes(), "debug mode has no front cache");
            return null;
        });
        PercpuByteBufAllocator off = allocators.open(mode, b -> b.eventLoopCacheBytes(0));
        assertEquals(0, off.eventLoopCacheBoundBytes());
        assertThrows(IllegalArgumentException.class, () -> PercpuByteBufAllocator.builder().eventLoopCacheBytes(-1));
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldEmptyTheCacheOfAnEndedThread(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ZERO));
        onFastThread(() -> {
            alloc.directBuffer(512).release();
            return null;
        });
        assertEquals(0, alloc.pooledInUseBytes(), "Netty's clean-up at the thread's end emptied the cache");
        assertEquals(0, alloc.eventLoopCaches());
        Thread noCleanUp = new FastThreadLocalThread() {
            @Override
            public void run() {
                alloc.directBuffer(512).release();
            }
        };
        noCleanUp.start();
        noCleanUp.join();
        assertEquals(512, alloc.pooledInUseBytes(), "a thread that ends without Netty's clean-up leaves its cache");
        alloc.close();
        assertTrue(alloc.isUnmapped(), "close empties the caches of ended threads, then unmaps");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldEmptyAnIdleEventLoopsCacheAndUnmapAfterClose(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ofMillis(50)));
        DefaultEventExecutorGroup group = new DefaultEventExecutorGroup(1);
        try {
            EventExecutor loop = group.next();
            loop.submit(() -> alloc.directBuffer(2048).release()).get();
            assertTrue(waitFor(() -> alloc.pooledInUseBytes() == 0),
                "an event loop idle for a window empties its cache: " + alloc.pooledInUseBytes());
            loop.submit(() -> alloc.directBuffer(2048).release()).get();
            assertEquals(2048, alloc.pooledInUseBytes());
            alloc.close();
            assertTrue(waitFor(alloc::isUnmapped), "after close the loop's task empties the cache and the memory goes");
            assertThrows(ExecutionException.class, () -> loop.submit(() -> alloc.directBuffer(16)).get(),
                "an allocation on the loop after close throws");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldLoseNoBlockWhenAThreadDropsItsThreadLocalsWhileBuffersAreAlive(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ZERO));
        onFastThread(() -> {
            ByteBuf alive = alloc.directBuffer(1024);
            alloc.directBuffer(512).release();
            FastThreadLocal.removeAll();
            assertEquals(1024, alloc.pooledInUseBytes(), "the dropped cache was emptied; the live buffer stays");
            alive.release();
            alloc.directBuffer(64).release();
            assertTrue(alloc.trimCurrentThreadCache());
            assertEquals(0, alloc.pooledInUseBytes(), "no block kept by the dropped cache");
            return null;
        });
        assertEquals(0, alloc.eventLoopCaches());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldLeaveTheCacheAloneWhenTheIdleCheckRunsOnAnotherThread(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ofMillis(20)));
        DefaultEventExecutorGroup other = new DefaultEventExecutorGroup(1);
        try {
            EventExecutor foreign = other.next();
            onFastThread(() -> {
                ThreadExecutorMap.apply(() -> alloc.directBuffer(256).release(), foreign).run();
                Thread.sleep(200);
                assertEquals(256, alloc.pooledInUseBytes(),
                    "the idle check ran on the executor's own thread, not this cache's: it left the cache alone");
                return null;
            });
            assertEquals(0, alloc.pooledInUseBytes(), "emptied at the owner's end");
        } finally {
            other.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeAThreadWhoseExecutorCannotSchedule(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ofMillis(50)));
        onFastThread(() -> {
            Runnable work = ThreadExecutorMap.apply(() -> alloc.directBuffer(256).release(),
                ImmediateEventExecutor.INSTANCE);
            work.run();
            assertEquals(256, alloc.pooledInUseBytes(), "cached, with no idle check (ImmediateEventExecutor schedules nothing)");
            return null;
        });
        assertEquals(0, alloc.pooledInUseBytes(), "emptied at the thread's end");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldOwnEveryBlockOnceWhenEventLoopsAndPlainThreadsTradeBuffers(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.handBackAfter(Duration.ZERO));
        ConcurrentLinkedQueue<ByteBuf> handedOver = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < 6; t++) {
            int seed = t;
            Runnable work = () -> {
                try {
                    trade(alloc, handedOver, new SplittableRandom(seed));
                } catch (Throwable e) {
                    failed.add(e);
                }
            };
            threads.add(t % 2 == 0 ? new FastThreadLocalThread(work) : new Thread(work));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertTrue(failed.isEmpty(), failed.toString());
        for (ByteBuf buf; (buf = handedOver.poll()) != null; ) {
            buf.release();
        }
        assertEquals(0, alloc.pooledInUseBytes(), "every block back: no block lost or held twice");
        alloc.close();
        assertTrue(alloc.isUnmapped());
    }

    /** Allocates, checks and releases buffers, some of them allocated by other threads. */
    private static void trade(PercpuByteBufAllocator alloc, ConcurrentLinkedQueue<ByteBuf> handedOver,
                              SplittableRandom random) {
        List<ByteBuf> live = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (live.size() < 32 && random.nextBoolean()) {
                ByteBuf buf = alloc.directBuffer(1 + random.nextInt(16384));
                long stamp = random.nextLong();
                buf.writeLong(stamp);
                buf.writeLong(~stamp);
                live.add(buf);
            } else if (!live.isEmpty()) {
                ByteBuf buf = live.remove(random.nextInt(live.size()));
                assertEquals(~buf.getLong(0), buf.getLong(8), "no other owner wrote this buffer's block");
                if (random.nextInt(4) == 0) {
                    handedOver.add(buf);
                } else {
                    buf.release();
                }
            }
            ByteBuf foreign = random.nextInt(8) == 0 ? handedOver.poll() : null;
            if (foreign != null) {
                assertEquals(~foreign.getLong(0), foreign.getLong(8), "a handed-over buffer is intact");
                foreign.release();
            }
        }
        Set<Long> addresses = new HashSet<>();
        for (ByteBuf buf : live) {
            assertTrue(addresses.add(buf.memoryAddress()), "two live buffers share a block");
            buf.release();
        }
        alloc.trimCurrentThreadCache();
    }

    /** Runs {@code work} on a new FastThreadLocalThread (with Netty's clean-up at its end) and waits. */
    private static <T> T onFastThread(Callable<T> work) throws Exception {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = new FastThreadLocalThread(task);
        thread.start();
        thread.join();
        return task.get();
    }

    /** A started virtual thread running {@code work} (JDK 21+), or null where the JDK has none. */
    private static Thread startVirtualThread(Runnable work) throws ReflectiveOperationException {
        try {
            return (Thread) Thread.class.getMethod("startVirtualThread", Runnable.class).invoke(null, work);
        } catch (NoSuchMethodException beforeJdk21) {
            return null;
        }
    }

    private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
