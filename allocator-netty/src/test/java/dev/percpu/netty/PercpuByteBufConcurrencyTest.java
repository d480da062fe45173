package dev.percpu.netty;

import static dev.percpu.netty.OpenAllocators.percpu;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.Mode;
import dev.percpu.SlabStats;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Buffers allocated on one thread and released on another, as in Netty
 * pipelines: every block comes back exactly once; and releases racing
 * {@link PercpuByteBufAllocator#close()}.
 */
class PercpuByteBufConcurrencyTest {
    private static final int PRODUCERS = 2;
    private static final int PER_PRODUCER = 20_000;
    private static final ByteBuf DONE = io.netty.buffer.Unpooled.EMPTY_BUFFER;

    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    /** A realistic size: mostly a few KiB, some up to 64 KiB, a tail up to 1.5 MiB (the large path). */
    private static int size(Random random) {
        int p = random.nextInt(100);
        if (p < 70) {
            return 1 + random.nextInt(4096);
        }
        if (p < 97) {
            return 4096 + random.nextInt(60 << 10);
        }
        return (64 << 10) + random.nextInt(1500 << 10);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldReturnEveryBlockExactlyOnceWhenReleasedOnAnotherThread(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b.maxMemory(256L << 20));
        BlockingQueue<ByteBuf> queue = new ArrayBlockingQueue<>(256);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger consumed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            threads.add(new Thread(() -> produce(alloc, producer, queue, failure), "producer-" + p));
        }
        for (int c = 0; c < PRODUCERS; c++) {
            threads.add(new Thread(() -> consume(queue, consumed, failure), "consumer-" + c));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(PRODUCERS * PER_PRODUCER, consumed.get());
        assertEquals(0, alloc.pooledInUseBytes(), "every pooled block back");
        assertEquals(0, alloc.largeBytes());
        assertEquals(0, alloc.largeBuffers());
        for (int i = 0; i < alloc.classCount(); i++) {
            SlabStats stats = alloc.classStats(i);
            assertEquals(stats.slots(), stats.depotFree() + stats.freeOnCpus(), "class " + i + ": each block free once");
        }
        assertTrue(alloc.metric().usedDirectMemory() <= alloc.maxMemory());
    }

    /**
     * Allocates tagged buffers and hands them over: the buffer itself, a retained slice, or the
     * buffer retained once more; in the last two cases the producer releases its own reference after
     * the hand-over, racing the consumer's release.
     */
    private static void produce(PercpuByteBufAllocator alloc, int producer, BlockingQueue<ByteBuf> queue,
                                AtomicReference<Throwable> failure) {
        Random random = new Random(producer);
        try {
            for (int i = 0; i < PER_PRODUCER; i++) {
                ByteBuf buf = alloc.directBuffer(Math.max(16, size(random)));
                long tag = ((long) producer << 32) | i;
                buf.writeLong(tag).writerIndex(buf.capacity() - 8).writeLong(tag).readerIndex(0);
                switch (i % 3) {
                    case 0:
                        queue.put(buf);
                        break;
                    case 1:
                        queue.put(buf.retainedSlice());
                        buf.release();
                        break;
                    default:
                        queue.put(buf.retain());
                        buf.release();
                        break;
                }
            }
            queue.put(DONE);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
            queue.offer(DONE);
        }
    }

    /**
     * Checks each buffer's tags (two live buffers on one block would have overwritten them), then releases it.
     * A failure is recorded and consuming goes on, so producers never wait for a dead consumer.
     */
    private static void consume(BlockingQueue<ByteBuf> queue, AtomicInteger consumed, AtomicReference<Throwable> failure) {
        while (true) {
            ByteBuf buf;
            try {
                buf = queue.take();
            } catch (InterruptedException e) {
                failure.compareAndSet(null, e);
                return;
            }
            if (buf == DONE) {
                return;
            }
            try {
                long tag = buf.getLong(0);
                assertEquals(tag, buf.getLong(buf.writerIndex() - 8), "tags of " + buf);
                buf.release();
                consumed.incrementAndGet();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldNeverTouchUnmappedMemoryWhenReleasesAndAllocationsRaceClose(Mode mode) throws Exception {
        for (int round = 0; round < 20; round++) {
            PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
            List<ByteBuf> live = new ArrayList<>();
            Random random = new Random(round);
            for (int i = 0; i < 500; i++) {
                live.add(alloc.directBuffer(size(random)).writeLong(i));
            }
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger servedAfterStart = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                List<ByteBuf> mine = new ArrayList<>(live.subList(t * 250, (t + 1) * 250));
                threads.add(new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < mine.size(); i++) {
                            ByteBuf buf = mine.get(i);
                            assertEquals(buf.getLong(0), buf.getLong(0), "readable until released");
                            buf.release();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    while (true) {
                        ByteBuf buf = alloc.directBuffer(64);
                        buf.writeLong(1).release();
                        servedAfterStart.incrementAndGet();
                    }
                } catch (IllegalStateException closed) {
                    assertTrue(alloc.isClosed(), closed.getMessage());
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
            threads.forEach(Thread::start);
            start.countDown();
            alloc.close();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(alloc.isUnmapped(), "round " + round + ": the last release unmapped the classes");
            assertEquals(0, alloc.largeBytes());
        }
    }

    /**
     * 10,000 virtual threads (JDK 21+; skipped on 17) each allocate, write and release a 4 KiB
     * buffer 20 times, yielding between pairs (never while holding one). The blocks the 4 KiB class ever carved stay bounded
     * by CPUs, not threads: its per-CPU caches, one refill batch, and what the running carriers hold.
     */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeTenThousandVirtualThreadsWithMemoryBoundedByCpus(Mode mode) throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        int threads = 10_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Method perTask = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        ExecutorService executor = (ExecutorService) perTask.invoke(null);
        try {
            for (int t = 0; t < threads; t++) {
                long tag = t;
                executor.execute(() -> {
                    try {
                        for (int i = 0; i < 20; i++) {
                            ByteBuf buf = alloc.directBuffer(4096).writeLong(tag);
                            assertEquals(tag, buf.readLong(), "overwritten while held");
                            buf.release();
                            Thread.yield();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
        } finally {
            executor.shutdown();
        }
        assertTrue(executor.awaitTermination(120, TimeUnit.SECONDS));
        if (failure.get() != null) {
            throw new AssertionError("a virtual thread failed", failure.get());
        }
        assertEquals(0, alloc.pooledInUseBytes());
        int sizeClass = -1;
        for (int i = 0; i < alloc.classCount(); i++) {
            if (alloc.classSize(i) == 4096) {
                sizeClass = i;
            }
        }
        SlabStats stats = alloc.classStats(sizeClass);
        long bound = stats.capacityOnCpus() + 32 + 2L * Runtime.getRuntime().availableProcessors();
        assertTrue(stats.carvedSlots() <= bound, "blocks ever used: " + stats.carvedSlots() + ", bound by CPUs: "
            + bound + " (" + threads + " threads)");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldReuseOneWrapperPerBlock(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf first = alloc.directBuffer(100);
        PercpuByteBuf wrapper = percpu(first);
        long address = first.memoryAddress();
        first.release();
        for (int i = 0; i < 100; i++) {
            ByteBuf again = alloc.directBuffer(100);
            if (again.memoryAddress() == address) {
                assertTrue(percpu(again) == wrapper, "the block's wrapper is handed out with it");
            }
            again.release();
        }
    }
}
