package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fuzz target: several threads drive a SlabAllocator, a BufferPool, an
 * ObjectPool, a SizeClassAllocator and a Netty PercpuByteBufAllocator with
 * random sequences of good and bad calls, against a model of who owns what
 * (each thread's lists of slots, blocks, buffers and handles, plus a
 * hand-off queue through which slots change owner and are freed by another
 * thread).
 *
 * <p>Every slot, block and buffer a thread owns carries its owner's stamp,
 * checked before it is given back: one handed out twice shows as a foreign
 * stamp. The bad calls are the ones each mode promises to catch: an address
 * that is no slot (alone or inside a batch, which then frees nothing), ranges
 * out of bounds, a slot twice in one batch (debug mode only: outside debug
 * mode a raw double free is not caught), releasing an empty handle,
 * acquiring into a full one, releasing into another pool; for size classes a
 * size out of range and an address outside the space or inside a block; for
 * Netty buffers a bad capacity, a release of more references than a live
 * buffer holds, and a release or a write after the last release of a large
 * buffer ({@code IllegalReferenceCountException}); and every call after
 * close (a slot view included). Each must throw its documented exception and
 * leave the pool intact. Not in the vocabulary, because it takes two calls
 * and another thread may be handed the block in between: a size-class
 * double free, and a double release of a pooled Netty buffer (its object is
 * handed out again with its block, as with Netty's pooled buffers; a large
 * buffer's object never is). At the end the model and the pools agree: what the model says is
 * held is what the pools' counters say, and 0 after everything went back.
 *
 * <p>The seed is printed; {@code -Dpercpu.fuzz.seed=N} replays each thread's
 * call sequence (the interleaving of threads is the scheduler's).
 * {@code -Dpercpu.fuzz.calls=N} sets the number of calls per run (default
 * 20000; {@code scripts/fuzz.sh} runs 10^7).
 */
class PoolFuzzTest {
    private static final int THREADS = 4;
    private static final int SLOTS = 512;
    private static final int BUFFERS = 64;
    private static final int OBJECTS = 64;
    private static final int MAX_BATCH = 16;
    /** Size-class blocks and Netty buffers one thread holds at most. */
    private static final int MAX_BLOCKS = 8;
    private static final int MAX_NETTY_BUFFERS = 4;
    private static final int[] CLASS_SIZES = {16, 64, 512, 4096};

    /** What a pooled object holds: the stamp of the thread that has it. */
    private static final class Thing {
        long owner;
    }

    /** The pools under test and the shared part of the model. */
    private static final class Pools implements AutoCloseable {
        final boolean debug;
        final SlabAllocator slab;
        final BufferPool buffers;
        final BufferPool otherBuffers;
        final ObjectPool<Thing> objects;
        final ObjectPool<Thing> otherObjects;
        final SizeClassAllocator sizes;
        final PercpuByteBufAllocator netty;
        /** Slots in transit: owned by nobody until a thread takes them. */
        final ConcurrentLinkedQueue<Long> handoff = new ConcurrentLinkedQueue<>();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong badCalls = new AtomicLong();

        Pools(Mode mode, boolean debug) {
            this.debug = debug;
            slab = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(SLOTS).perCpuCapacity(32)
                .batchSize(8).mode(mode).debug(debug).leakHandler(report -> { }).build());
            buffers = BufferPool.create(SlabConfig.builder().slotSize(128).capacitySlots(BUFFERS).perCpuCapacity(8)
                .batchSize(4).mode(mode).build());
            otherBuffers = BufferPool.create(SlabConfig.builder().slotSize(128).capacitySlots(4).mode(mode).build());
            objects = ObjectPool.builder(Thing::new).capacity(OBJECTS).perCpuCapacity(8).mode(mode).build();
            otherObjects = ObjectPool.builder(Thing::new).capacity(4).mode(mode).build();
            sizes = SizeClassAllocator.create(SizeClassConfig.builder().classSizes(CLASS_SIZES)
                .capacityBytesPerClass(64 << 10).mode(mode).debug(debug).leakHandler(report -> { }).build());
            netty = PercpuByteBufAllocator.builder().maxMemory(4L << 20).classSizes(CLASS_SIZES).mode(mode)
                .debug(debug).leakHandler(report -> { }).build();
        }

        @Override
        public void close() {
            slab.close();
            buffers.close();
            otherBuffers.close();
            objects.close();
            otherObjects.close();
            sizes.close();
            netty.close();
        }
    }

    /** One thread's calls and its part of the model. */
    private static final class Driver implements Runnable {
        private final Pools pools;
        private final long stamp;
        private final SplittableRandom random;
        private final long budget;
        private final List<Long> slots = new ArrayList<>();
        private final PooledBuffer[] buffers = {new PooledBuffer(), new PooledBuffer(), new PooledBuffer()};
        @SuppressWarnings({"unchecked", "rawtypes"})
        private final PooledObject<Thing>[] objects = new PooledObject[] {new PooledObject<>(), new PooledObject<>()};
        private final PooledBuffer foreignBuffer = new PooledBuffer();
        private final PooledObject<Thing> foreignObject = new PooledObject<>();
        private final List<Long> blocks = new ArrayList<>();
        private final List<ByteBuf> nettyBuffers = new ArrayList<>();
        /** The large buffer this thread released last: every later call on it must be refused. */
        private ByteBuf releasedLarge;

        Driver(Pools pools, int index, long seed, long budget) {
            this.pools = pools;
            this.stamp = 0x5EED_0000_0000L | index;
            this.random = new SplittableRandom(seed + index);
            this.budget = budget;
        }

        @Override
        public void run() {
            for (long call = 0; call < budget; call++) {
                int choice = random.nextInt(100);
                if (choice < 50) {
                    goodCall(choice);
                } else if (choice < 62) {
                    handleCall(choice);
                } else if (choice < 70) {
                    sizeClassCall();
                } else if (choice < 76) {
                    nettyCall();
                } else {
                    badCall(random.nextInt(pools.debug ? 11 : 10));
                    pools.badCalls.incrementAndGet();
                }
                pools.calls.incrementAndGet();
            }
        }

        private void goodCall(int choice) {
            SlabAllocator slab = pools.slab;
            switch (choice % 6) {
                case 0: {
                    long address = slab.tryAllocate();
                    if (address != 0) {
                        take(address);
                    }
                    break;
                }
                case 1: {
                    long[] batch = new long[1 + random.nextInt(MAX_BATCH)];
                    int n = slab.allocate(batch, batch.length);
                    for (int i = 0; i < n; i++) {
                        take(batch[i]);
                    }
                    break;
                }
                case 2:
                    if (!slots.isEmpty()) {
                        long address = slots.remove(random.nextInt(slots.size()));
                        checkStamp(address);
                        slab.free(address);
                    }
                    break;
                case 3: {
                    int n = Math.min(slots.size(), 1 + random.nextInt(MAX_BATCH));
                    long[] batch = new long[n];
                    for (int i = 0; i < n; i++) {
                        batch[i] = slots.remove(slots.size() - 1);
                        checkStamp(batch[i]);
                    }
                    slab.free(batch, n);
                    break;
                }
                case 4:
                    if (!slots.isEmpty() && random.nextBoolean()) {
                        long address = slots.remove(random.nextInt(slots.size()));
                        checkStamp(address);
                        pools.slab.slotView(address).putLong(0, 0);
                        pools.handoff.add(address);
                    } else {
                        Long address = pools.handoff.poll();
                        if (address != null) {
                            take(address);
                        }
                    }
                    break;
                default:
                    if (random.nextInt(50) == 0) {
                        slab.drain();
                    } else {
                        assertTrue(slab.stats().inUse() >= slots.size(), "inUse counts at least this thread's slots");
                    }
                    break;
            }
        }

        private void handleCall(int choice) {
            if (choice % 2 == 0) {
                PooledBuffer handle = buffers[random.nextInt(buffers.length)];
                if (handle.isAcquired()) {
                    assertEquals(stamp, handle.byteBuffer().getLong(0), "a buffer owned by this thread");
                    pools.buffers.release(handle);
                } else if (pools.buffers.tryAcquire(handle)) {
                    handle.byteBuffer().putLong(0, stamp);
                }
            } else {
                PooledObject<Thing> handle = objects[random.nextInt(objects.length)];
                if (handle.isAcquired()) {
                    assertEquals(stamp, handle.get().owner, "an object owned by this thread");
                    handle.get().owner = 0;
                    pools.objects.release(handle);
                } else if (pools.objects.tryAcquire(handle)) {
                    assertEquals(0, handle.get().owner, "a free object has no owner");
                    handle.get().owner = stamp;
                }
            }
        }

        private void sizeClassCall() {
            SizeClassAllocator sizes = pools.sizes;
            if (blocks.size() < MAX_BLOCKS && random.nextBoolean()) {
                int size = 1 + random.nextInt(sizes.maxSize());
                long address = sizes.tryAllocate(size);
                if (address != 0) {
                    assertEquals(sizes.classSize(sizes.classOf(size)), sizes.usableSize(address),
                        "a block of the size's class");
                    sizes.view(address).putLong(0, stamp);
                    blocks.add(address);
                }
            } else if (!blocks.isEmpty()) {
                long address = blocks.remove(random.nextInt(blocks.size()));
                checkBlockStamp(address);
                sizes.free(address);
            }
        }

        private void nettyCall() {
            if (random.nextInt(8) == 0) {
                int capacity = CLASS_SIZES[CLASS_SIZES.length - 1] + 1 + random.nextInt(3 << 12);
                ByteBuf large = pools.netty.directBuffer(capacity);
                large.writeLong(stamp);
                assertEquals(stamp, large.getLong(0), "a large buffer owned by this thread");
                assertTrue(large.release(), "the last release unmaps a large buffer");
                releasedLarge = large;
            } else if (nettyBuffers.size() < MAX_NETTY_BUFFERS && random.nextBoolean()) {
                int capacity = 8 + random.nextInt(CLASS_SIZES[CLASS_SIZES.length - 1] - 7);
                ByteBuf buffer = pools.netty.directBuffer(capacity);
                buffer.writeLong(stamp);
                buffer.writeZero(random.nextInt(capacity - 7));
                nettyBuffers.add(buffer);
            } else if (!nettyBuffers.isEmpty()) {
                ByteBuf buffer = nettyBuffers.remove(random.nextInt(nettyBuffers.size()));
                assertEquals(stamp, buffer.getLong(0), "a buffer owned by this thread");
                if (random.nextInt(4) == 0) {
                    assertFalse(buffer.retain().release(), "a retained buffer outlives one release");
                }
                assertTrue(buffer.release(), "the last release frees the buffer");
            }
        }

        /** One bad call: it must throw its documented exception and change nothing. */
        private void badCall(int kind) {
            SlabAllocator slab = pools.slab;
            long region = slab.regionAddress();
            long[] noSlot = {region + 1, 0L, region + slab.regionBytes(), region - 64};
            switch (kind) {
                case 0:
                    assertThrows(IllegalArgumentException.class,
                        () -> slab.free(noSlot[random.nextInt(noSlot.length)]));
                    break;
                case 1:
                    if (!slots.isEmpty()) {
                        long[] batch = new long[Math.min(slots.size(), 8) + 1];
                        for (int i = 0; i < batch.length - 1; i++) {
                            batch[i] = slots.get(slots.size() - 1 - i);
                        }
                        batch[random.nextInt(batch.length)] = noSlot[random.nextInt(noSlot.length)];
                        assertThrows(IllegalArgumentException.class, () -> slab.free(batch, batch.length),
                            "a batch with one bad address frees nothing");
                    }
                    break;
                case 2:
                    assertThrows(IndexOutOfBoundsException.class, () -> slab.free(new long[2], 3));
                    assertThrows(IndexOutOfBoundsException.class, () -> slab.free(new long[2], -1));
                    break;
                case 3:
                    assertThrows(IndexOutOfBoundsException.class, () -> slab.allocate(new long[2], 3));
                    assertThrows(IndexOutOfBoundsException.class, () -> slab.allocate(new long[2], -1));
                    break;
                case 4:
                    assertThrows(IllegalArgumentException.class,
                        () -> slab.slotView(noSlot[random.nextInt(noSlot.length)]));
                    break;
                case 5: {
                    PooledBuffer handle = buffers[random.nextInt(buffers.length)];
                    if (handle.isAcquired()) {
                        assertThrows(IllegalStateException.class, () -> pools.buffers.acquire(handle));
                        assertThrows(IllegalArgumentException.class, () -> pools.otherBuffers.release(handle));
                        assertTrue(handle.isAcquired(), "a rejected release leaves the handle holding");
                    } else {
                        assertThrows(IllegalStateException.class, () -> pools.buffers.release(handle));
                        assertThrows(IllegalStateException.class, () -> handle.byteBuffer());
                    }
                    break;
                }
                case 6: {
                    PooledObject<Thing> handle = objects[random.nextInt(objects.length)];
                    if (handle.isAcquired()) {
                        assertThrows(IllegalStateException.class, () -> pools.objects.acquire(handle));
                        assertThrows(IllegalArgumentException.class, () -> pools.otherObjects.release(handle));
                        assertTrue(handle.isAcquired(), "a rejected release leaves the handle holding");
                    } else {
                        assertThrows(IllegalStateException.class, () -> pools.objects.release(handle));
                    }
                    break;
                }
                case 7:
                    if (pools.otherBuffers.tryAcquire(foreignBuffer)) {
                        assertThrows(IllegalArgumentException.class, () -> pools.buffers.release(foreignBuffer));
                        pools.otherBuffers.release(foreignBuffer);
                    }
                    if (pools.otherObjects.tryAcquire(foreignObject)) {
                        assertThrows(IllegalArgumentException.class, () -> pools.objects.release(foreignObject));
                        pools.otherObjects.release(foreignObject);
                    }
                    break;
                case 8:
                    sizeClassBadCall();
                    break;
                case 9:
                    assertThrows(IllegalArgumentException.class, () -> pools.netty.directBuffer(-1));
                    assertThrows(IllegalArgumentException.class, () -> pools.netty.directBuffer(16, 8));
                    if (!nettyBuffers.isEmpty()) {
                        ByteBuf live = nettyBuffers.get(random.nextInt(nettyBuffers.size()));
                        assertThrows(IllegalReferenceCountException.class, () -> live.release(live.refCnt() + 1),
                            "releasing more references than a buffer holds");
                        assertEquals(1, live.refCnt(), "a refused release leaves the buffer live");
                    }
                    if (releasedLarge != null) {
                        assertThrows(IllegalReferenceCountException.class, releasedLarge::release,
                            "a double release");
                        assertThrows(IllegalReferenceCountException.class, () -> releasedLarge.writeByte(1),
                            "a write after the last release");
                    }
                    break;
                default:
                    // Debug mode only: a slot twice in one batch is a double free, and the batch frees nothing.
                    if (!slots.isEmpty()) {
                        long address = slots.get(random.nextInt(slots.size()));
                        assertThrows(IllegalArgumentException.class, () -> slab.free(new long[] {address, address}, 2));
                    }
                    break;
            }
        }

        private void sizeClassBadCall() {
            SizeClassAllocator sizes = pools.sizes;
            assertThrows(IllegalArgumentException.class, () -> sizes.tryAllocate(0));
            assertThrows(IllegalArgumentException.class, () -> sizes.tryAllocate(SizeClassAllocator.MAX_BLOCK_SIZE + 1));
            assertThrows(IllegalArgumentException.class, () -> sizes.classOf(sizes.maxSize() + 1));
            assertThrows(IllegalArgumentException.class, () -> sizes.free(0L), "an address outside the space");
            assertThrows(IllegalArgumentException.class, () -> sizes.usableSize(0L));
            if (!blocks.isEmpty()) {
                long inside = blocks.get(random.nextInt(blocks.size())) + 8;
                assertThrows(IllegalArgumentException.class, () -> sizes.free(inside), "not the start of a block");
                assertThrows(IllegalArgumentException.class, () -> sizes.view(inside));
            }
        }

        private void checkBlockStamp(long address) {
            assertEquals(stamp, pools.sizes.view(address).getLong(0),
                () -> "block 0x" + Long.toHexString(address) + " owned by this thread");
            pools.sizes.view(address).putLong(0, 0);
        }

        /** What the model says this thread holds in the size classes, in bytes. */
        long blockBytesHeld() {
            long bytes = 0;
            for (long address : blocks) {
                bytes += pools.sizes.usableSize(address);
            }
            return bytes;
        }

        int nettyBuffersHeld() {
            return nettyBuffers.size();
        }

        private void take(long address) {
            pools.slab.slotView(address).putLong(0, stamp);
            slots.add(address);
        }

        private void checkStamp(long address) {
            long found = pools.slab.slotView(address).getLong(0);
            assertEquals(stamp, found, () -> "slot 0x" + Long.toHexString(address) + " owned by this thread");
            pools.slab.slotView(address).putLong(0, 0);
        }

        /** What the model says this thread holds in the slab. */
        int slotsHeld() {
            return slots.size();
        }

        int buffersHeld() {
            int n = 0;
            for (PooledBuffer b : buffers) {
                n += b.isAcquired() ? 1 : 0;
            }
            return n;
        }

        int objectsHeld() {
            int n = 0;
            for (PooledObject<Thing> o : objects) {
                n += o.isAcquired() ? 1 : 0;
            }
            return n;
        }

        /** Gives everything back. */
        void returnAll() {
            for (long address : slots) {
                checkStamp(address);
            }
            long[] all = slots.stream().mapToLong(Long::longValue).toArray();
            pools.slab.free(all, all.length);
            slots.clear();
            for (PooledBuffer b : buffers) {
                if (b.isAcquired()) {
                    pools.buffers.release(b);
                }
            }
            for (PooledObject<Thing> o : objects) {
                if (o.isAcquired()) {
                    o.get().owner = 0;
                    pools.objects.release(o);
                }
            }
            for (long address : blocks) {
                checkBlockStamp(address);
                pools.sizes.free(address);
            }
            blocks.clear();
            for (ByteBuf buffer : nettyBuffers) {
                assertEquals(stamp, buffer.getLong(0), "a buffer owned by this thread");
                assertTrue(buffer.release());
            }
            nettyBuffers.clear();
        }
    }

    @ParameterizedTest(name = "{0} debug={1}")
    @CsvSource({"RSEQ, false", "RSEQ, true", "FALLBACK, false", "FALLBACK, true"})
    void shouldRejectEveryBadCallAndAgreeWithTheModelOfOwnership(Mode mode, boolean debug) throws Exception {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        long seed = Long.getLong("percpu.fuzz.seed", System.nanoTime());
        long calls = Long.getLong("percpu.fuzz.calls", 20_000L);
        System.out.println("PoolFuzzTest " + mode + " debug=" + debug + " seed=" + seed
            + " (replay with -Dpercpu.fuzz.seed=" + seed + "), calls=" + calls);
        Pools pools = new Pools(mode, debug);
        Driver[] drivers = new Driver[THREADS];
        Thread[] threads = new Thread[THREADS];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < THREADS; t++) {
            drivers[t] = new Driver(pools, t, seed, calls / THREADS);
            threads[t] = new Thread(drivers[t], "fuzz-" + t);
            threads[t].setUncaughtExceptionHandler((thread, e) -> failure.compareAndSet(null, e));
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("seed " + seed + ": " + failure.get(), failure.get());
        }
        long slotsHeld = pools.handoff.size();
        long buffersHeld = 0;
        long objectsHeld = 0;
        long blockBytesHeld = 0;
        long nettyBuffersHeld = 0;
        for (Driver d : drivers) {
            slotsHeld += d.slotsHeld();
            buffersHeld += d.buffersHeld();
            objectsHeld += d.objectsHeld();
            blockBytesHeld += d.blockBytesHeld();
            nettyBuffersHeld += d.nettyBuffersHeld();
        }
        assertEquals(slotsHeld, pools.slab.stats().inUse(), "seed " + seed + ": model and slab agree");
        assertEquals(buffersHeld, pools.buffers.stats().inUse(), "seed " + seed + ": model and buffer pool agree");
        assertEquals(objectsHeld, pools.objects.stats().inUse(), "seed " + seed + ": model and object pool agree");
        assertEquals(blockBytesHeld, pools.sizes.inUseBytes(), "seed " + seed + ": model and size classes agree");
        assertEquals(nettyBuffersHeld, nettyBlocksInUse(pools.netty), "seed " + seed + ": model and Netty agree");
        Long inTransit;
        while ((inTransit = pools.handoff.poll()) != null) {
            pools.slab.free(inTransit);
        }
        for (Driver d : drivers) {
            d.returnAll();
        }
        assertEquals(0, pools.slab.stats().inUse(), "seed " + seed + ": every slot back");
        assertEquals(0, pools.buffers.stats().inUse(), "seed " + seed + ": every buffer back");
        assertEquals(0, pools.objects.stats().inUse(), "seed " + seed + ": every object back");
        assertEquals(0, pools.sizes.inUseBytes(), "seed " + seed + ": every size-class block back");
        assertEquals(0, nettyBlocksInUse(pools.netty), "seed " + seed + ": every Netty buffer back");
        assertEquals(0, pools.netty.largeBytes(), "seed " + seed + ": every large Netty buffer unmapped");
        assertEquals(calls / THREADS * THREADS, pools.calls.get());
        assertTrue(pools.badCalls.get() > 0, "bad calls were made");

        long address = pools.slab.allocate();
        PooledBuffer buffer = new PooledBuffer();
        pools.buffers.acquire(buffer);
        long block = pools.sizes.allocate(16);
        pools.close();
        assertThrows(IllegalStateException.class, () -> pools.slab.tryAllocate(), "allocate after close");
        assertThrows(IllegalStateException.class, () -> pools.slab.free(address), "free after close");
        assertThrows(IllegalStateException.class, () -> pools.slab.slotView(address), "a slot view after close");
        assertThrows(IllegalStateException.class, () -> pools.slab.free(new long[0], 0), "empty free after close");
        assertThrows(IllegalStateException.class, () -> pools.buffers.release(buffer), "release after close");
        assertThrows(IllegalStateException.class, () -> pools.objects.tryAcquire(new PooledObject<>()),
            "acquire after close");
        assertThrows(IllegalStateException.class, () -> pools.sizes.tryAllocate(16), "a block after close");
        assertThrows(IllegalStateException.class, () -> pools.sizes.free(block), "a block freed after close");
        assertThrows(IllegalStateException.class, () -> pools.netty.directBuffer(16), "a Netty buffer after close");
        assertTrue(pools.slab.isClosed() && pools.buffers.isClosed() && pools.objects.isClosed()
            && pools.sizes.isClosed() && pools.netty.isClosed(), "every pool closed");
    }

    /** Pooled blocks a Netty allocator has handed out and not taken back, over all its classes. */
    private static long nettyBlocksInUse(PercpuByteBufAllocator netty) {
        long blocks = 0;
        for (int i = 0; i < netty.classCount(); i++) {
            blocks += netty.classStats(i).inUse();
        }
        return blocks;
    }
}
