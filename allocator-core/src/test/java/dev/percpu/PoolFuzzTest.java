package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fuzz target: several threads drive a SlabAllocator, a BufferPool and an
 * ObjectPool with random sequences of good and bad calls, against a model of
 * who owns what (each thread's list of slots and handles, plus a hand-off
 * queue through which slots change owner and are freed by another thread).
 *
 * <p>Every slot and buffer a thread owns carries its owner's stamp, checked
 * before it is given back: a slot handed out twice shows as a foreign stamp.
 * The bad calls are the ones each mode promises to catch: an address that is
 * no slot (alone or inside a batch, which then frees nothing), ranges out of
 * bounds, a slot twice in one batch (debug mode only: outside debug mode a
 * raw double free is not caught), releasing an empty handle, acquiring into a
 * full one, releasing into another pool, and every call after close (a slot
 * view included). Each must throw its documented exception and leave the
 * pool intact. At the end the model and the pools agree: what the model says
 * is held is what {@code stats().inUse()} says, and 0 after everything went
 * back.
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
        }

        @Override
        public void close() {
            slab.close();
            buffers.close();
            otherBuffers.close();
            objects.close();
            otherObjects.close();
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
                if (choice < 60) {
                    goodCall(choice);
                } else if (choice < 75) {
                    handleCall(choice);
                } else {
                    badCall(random.nextInt(pools.debug ? 9 : 8));
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
                default:
                    // Debug mode only: a slot twice in one batch is a double free, and the batch frees nothing.
                    if (!slots.isEmpty()) {
                        long address = slots.get(random.nextInt(slots.size()));
                        assertThrows(IllegalArgumentException.class, () -> slab.free(new long[] {address, address}, 2));
                    }
                    break;
            }
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
        for (Driver d : drivers) {
            slotsHeld += d.slotsHeld();
            buffersHeld += d.buffersHeld();
            objectsHeld += d.objectsHeld();
        }
        assertEquals(slotsHeld, pools.slab.stats().inUse(), "seed " + seed + ": model and slab agree");
        assertEquals(buffersHeld, pools.buffers.stats().inUse(), "seed " + seed + ": model and buffer pool agree");
        assertEquals(objectsHeld, pools.objects.stats().inUse(), "seed " + seed + ": model and object pool agree");
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
        assertEquals(calls / THREADS * THREADS, pools.calls.get());
        assertTrue(pools.badCalls.get() > 0, "bad calls were made");

        long address = pools.slab.allocate();
        PooledBuffer buffer = new PooledBuffer();
        pools.buffers.acquire(buffer);
        pools.close();
        assertThrows(IllegalStateException.class, () -> pools.slab.tryAllocate(), "allocate after close");
        assertThrows(IllegalStateException.class, () -> pools.slab.free(address), "free after close");
        assertThrows(IllegalStateException.class, () -> pools.slab.slotView(address), "a slot view after close");
        assertThrows(IllegalStateException.class, () -> pools.slab.free(new long[0], 0), "empty free after close");
        assertThrows(IllegalStateException.class, () -> pools.buffers.release(buffer), "release after close");
        assertThrows(IllegalStateException.class, () -> pools.objects.tryAcquire(new PooledObject<>()),
            "acquire after close");
        assertTrue(pools.slab.isClosed() && pools.buffers.isClosed() && pools.objects.isClosed(), "every pool closed");
    }
}
