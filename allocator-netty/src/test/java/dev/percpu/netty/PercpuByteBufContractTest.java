package dev.percpu.netty;

import dev.percpu.bridge.MemoryCalls;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Mode;
import dev.percpu.bridge.Bridges;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.IllegalReferenceCountException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link io.netty.buffer.ByteBuf} contract of {@link PercpuByteBuf}, with
 * Netty's unpooled direct buffer ({@link #oracle(int, int)}) as the oracle: the same calls on both must
 * give the same results (values, indices, contents, or the same exception
 * type). Random sequences of reads, writes, index moves, slices, duplicates,
 * NIO views, copies and capacity changes, in both byte orders, on buffers of
 * every size from a few bytes to past the largest class (the large path).
 *
 * <p>One deliberate difference: when a write grows a buffer, Netty's
 * allocator picks the new capacity by doubling and percpu by its size
 * classes; after such a write the test sets the oracle to percpu's capacity
 * (an explicit {@code capacity(n)}, itself part of the contract) and goes on.
 */
class PercpuByteBufContractTest {
    private static final ByteBufAllocator ORACLE = new UnpooledByteBufAllocator(true, true);
    private static final int[] INITIAL_CAPACITIES = {0, 1, 7, 64, 100, 256, 1000, 4096, 5000, 65536, 70000,
        (1 << 20) - 3, (1 << 20) + 5000};

    private final OpenAllocators allocators = new OpenAllocators();

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    /**
     * Netty's {@link UnpooledDirectByteBuf} (ByteBuffer access). Not the Unsafe variant
     * {@code UnpooledByteBufAllocator} hands out where Unsafe is available: in 4.2.18 the
     * little-endian setters skip the bounds check, and there a {@code setIntLE} at
     * {@code capacity - 1} succeeds (here the ByteBuffer still throws). The oracle
     * has one more deviation from {@code ByteBuf}'s documented contract, so the stream calls are
     * compared in bounds only: for an index out of bounds its {@code getBytes(int, OutputStream, int)}
     * and {@code setBytes(int, InputStream, int)} throw {@code IllegalArgumentException} (from
     * {@code ByteBuffer.position}) instead of {@code IndexOutOfBoundsException}; percpu throws the
     * latter, as documented.
     */
    private static ByteBuf oracle(int initialCapacity, int maxCapacity) {
        return new UnpooledDirectByteBuf(ORACLE, initialCapacity, maxCapacity);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldBehaveLikeNettysUnpooledDirectBufferUnderRandomOperations(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        for (int seed = 0; seed < 60; seed++) {
            Random random = new Random(seed);
            int initial = INITIAL_CAPACITIES[seed % INITIAL_CAPACITIES.length];
            int max = random.nextBoolean() ? Integer.MAX_VALUE : initial + random.nextInt(3 << 20);
            ByteBuf expected = oracle(initial, max);
            ByteBuf actual = alloc.directBuffer(initial, max);
            assertTrue(actual.isDirect());
            Pair pair = new Pair(expected, actual, "seed " + seed);
            for (int step = 0; step < 400; step++) {
                pair.randomStep(random, step);
            }
            assertEquals(expected.release(), actual.release());
            assertEquals(0, actual.refCnt());
        }
        assertEquals(0, alloc.pooledInUseBytes());
        assertEquals(0, alloc.largeBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldKeepContentsWhenGrowingAcrossEveryClassIntoTheLargePathAndBack(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf expected = oracle(1, Integer.MAX_VALUE);
        ByteBuf actual = alloc.directBuffer(1);
        Pair pair = new Pair(expected, actual, "growth");
        for (int capacity : new int[] {16, 17, 100, 4096, 4097, 65536, 65537, 1 << 20, (1 << 20) + 1, 3 << 20, 5000,
            64, 1}) {
            pair.same("capacity(" + capacity + ")", b -> b.capacity(capacity));
            pair.fill(new Random(capacity));
        }
        PercpuByteBuf grown = OpenAllocators.percpu(actual);
        for (int i = 0; i < 3000; i++) {
            pair.same("writeLong", b -> b.writeLong(0x0102030405060708L));
        }
        assertEquals(32768, alloc.calculateNewCapacity(24000, Integer.MAX_VALUE));
        assertTrue(grown.blockBytes() >= grown.capacity());
        pair.release();
        assertEquals(0, alloc.pooledInUseBytes());
        assertEquals(0, alloc.largeBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCountReferencesAsNettyDoes(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        for (ByteBuf buf : List.of(oracle(64, Integer.MAX_VALUE), alloc.directBuffer(64))) {
            buf.writeInt(7);
            assertEquals(1, buf.refCnt());
            ByteBuf slice = buf.retainedSlice(0, 4);
            ByteBuf duplicate = buf.retainedDuplicate();
            assertEquals(3, buf.refCnt());
            assertEquals(7, slice.getInt(0));
            assertEquals(7, duplicate.readInt());
            assertFalse(slice.release());
            assertFalse(duplicate.release());
            buf.retain(2);
            assertFalse(buf.release(2));
            assertTrue(buf.release());
            assertEquals(0, buf.refCnt());
            assertThrows(IllegalReferenceCountException.class, buf::release);
            assertThrows(IllegalReferenceCountException.class, buf::retain);
            assertThrows(IllegalReferenceCountException.class, () -> buf.getInt(0));
            assertThrows(IllegalReferenceCountException.class, () -> buf.writeByte(1));
            assertThrows(IllegalReferenceCountException.class, () -> buf.nioBuffer(0, 1));
            assertThrows(IllegalReferenceCountException.class, () -> slice.getByte(0));
            assertThrows(IllegalReferenceCountException.class, () -> buf.capacity(128));
        }
        assertEquals(0, alloc.pooledInUseBytes());
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldExposeTheBlockAtMemoryAddressAndThroughNioBuffers(Mode mode) {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        for (int capacity : new int[] {10, 4096, 100_000, 2 << 20}) {
            ByteBuf buf = alloc.directBuffer(capacity);
            assertTrue(buf.hasMemoryAddress());
            assertFalse(buf.hasArray());
            assertEquals(1, buf.nioBufferCount());
            buf.writeLong(0x1122334455667788L).writeIntLE(0x01020304);
            ByteBuffer raw = MemoryCalls.view(buf.memoryAddress(), 12).order(ByteOrder.BIG_ENDIAN);
            assertEquals(0x1122334455667788L, raw.getLong(0), "memoryAddress() is the first byte");
            assertEquals(0x01020304, raw.order(ByteOrder.LITTLE_ENDIAN).getInt(8));
            ByteBuffer nio = buf.nioBuffer(8, 4);
            assertTrue(nio.isDirect());
            assertEquals(0x04030201, nio.getInt(0));
            nio.put(0, (byte) 9);
            assertEquals(9, buf.getByte(8), "nioBuffer shares the memory");
            ByteBuffer internal = buf.internalNioBuffer(4, 4);
            assertEquals(4, internal.position());
            assertEquals(8, internal.limit());
            assertEquals(0x55667788, internal.getInt(4));
            if (capacity % 4096 == 0) {
                assertEquals(0, buf.memoryAddress() % 4096, "page-sized classes are page aligned");
            }
            buf.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldCopyBetweenBuffersAndChannelsAndRefuseReleasedOnes(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf a = alloc.directBuffer(64).writeLong(1).writeLong(2);
        ByteBuf released = alloc.directBuffer(64).writeLong(3);
        released.release();
        assertThrows(IllegalReferenceCountException.class, () -> a.setBytes(0, released, 0, 8));
        assertThrows(IllegalReferenceCountException.class, () -> a.getBytes(0, released, 0, 8));
        java.nio.file.Path file = java.nio.file.Files.createTempFile("percpu", ".bin");
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
            java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            assertEquals(16, a.getBytes(0, channel, 0L, 16));
            channel.position(16);
            assertEquals(16, a.readBytes(channel, 16));
            ByteBuf back = alloc.directBuffer(32);
            assertEquals(32, back.writeBytes(channel, 0L, 32));
            assertEquals(1, back.getLong(0));
            assertEquals(2, back.getLong(24));
            channel.position(0);
            ByteBuf scattered = alloc.directBuffer(16);
            assertEquals(16, scattered.writeBytes(channel, 16));
            assertEquals(2, scattered.getLong(8));
            back.release();
            scattered.release();
        } finally {
            java.nio.file.Files.delete(file);
        }
        a.release();
        assertEquals(0, alloc.pooledInUseBytes());
    }

    /** The oracle and the buffer under test, driven by the same calls. */
    private static final class Pair {
        private final ByteBuf expected;
        private final ByteBuf actual;
        private final String name;

        /** Capacity after the last step: bytes above it are fresh on both sides and are zeroed on both. */
        private int knownCapacity;

        Pair(ByteBuf expected, ByteBuf actual, String name) {
            this.expected = expected;
            this.actual = actual;
            this.name = name;
            zeroAbove(0);
        }

        /**
         * Zeroes {@code [from, capacity)} of both: memory a buffer has not written yet is unspecified
         * (a pooled block holds what its last owner left), so it is made equal before it is compared.
         */
        private void zeroAbove(int from) {
            if (expected.refCnt() > 0 && from < actual.capacity()) {
                expected.setZero(from, expected.capacity() - from);
                actual.setZero(from, actual.capacity() - from);
            }
            knownCapacity = actual.refCnt() > 0 ? actual.capacity() : 0;
        }

        void release() {
            assertEquals(expected.release(), actual.release());
        }

        /** Writes random bytes over the whole capacity of both (indices kept). */
        void fill(Random random) {
            byte[] bytes = new byte[expected.capacity()];
            random.nextBytes(bytes);
            same("setBytes(whole)", b -> b.setBytes(0, bytes));
        }

        /** Applies {@code op} to both and compares what it returned or threw, then the two buffers. */
        void same(String what, Function<ByteBuf, Object> op) {
            Object want = outcome(expected, op);
            Object got = outcome(actual, op);
            assertEquals(want, got, name + ": " + what);
            if (expected.refCnt() > 0 && expected.capacity() != actual.capacity() && actual.capacity() > 0) {
                expected.capacity(actual.capacity());
            }
            zeroAbove(Math.min(knownCapacity, expected.refCnt() > 0 ? expected.capacity() : 0));
            compareState(what);
        }

        private void compareState(String what) {
            assertEquals(expected.refCnt(), actual.refCnt(), name + ": refCnt after " + what);
            if (expected.refCnt() == 0) {
                return;
            }
            assertEquals(expected.capacity(), actual.capacity(), name + ": capacity after " + what);
            assertEquals(expected.maxCapacity(), actual.maxCapacity(), name + ": maxCapacity after " + what);
            assertEquals(expected.readerIndex(), actual.readerIndex(), name + ": readerIndex after " + what);
            assertEquals(expected.writerIndex(), actual.writerIndex(), name + ": writerIndex after " + what);
            byte[] want = new byte[expected.writerIndex()];
            byte[] got = new byte[actual.writerIndex()];
            expected.getBytes(0, want);
            actual.getBytes(0, got);
            assertArrayEquals(want, got, name + ": contents after " + what);
        }

        private Object outcome(ByteBuf buf, Function<ByteBuf, Object> op) {
            try {
                return describe(buf, op.apply(buf));
            } catch (RuntimeException e) {
                return e.getClass().getSimpleName();
            }
        }

        private static Object describe(ByteBuf self, Object result) {
            if (result == self) {
                return "this";
            }
            if (result instanceof ByteBuf) {
                ByteBuf b = (ByteBuf) result;
                if (self != null && b.order() != self.order() && b.capacity() == self.capacity()
                    && b.readerIndex() == self.readerIndex() && b.writerIndex() == self.writerIndex()) {
                    return "this, " + b.order();
                }
                Object d = "ByteBuf[" + b.readerIndex() + "," + b.writerIndex() + "," + b.capacity() + ","
                    + b.order() + "," + b.toString(StandardCharsets.ISO_8859_1) + "]";
                return d;
            }
            if (result instanceof ByteBuffer) {
                ByteBuffer b = (ByteBuffer) result;
                byte[] bytes = new byte[b.remaining()];
                b.duplicate().get(bytes);
                return "ByteBuffer[" + b.position() + "," + b.limit() + "," + b.capacity() + "," + b.isDirect() + ","
                    + Arrays.toString(bytes) + "]";
            }
            if (result instanceof byte[]) {
                return Arrays.toString((byte[]) result);
            }
            return result;
        }

        /** One random operation; indices are drawn a little past the buffer's bounds so that bounds checks are exercised. */
        void randomStep(Random random, int step) {
            int capacity = Math.max(expected.capacity(), 1);
            int index = random.nextInt(capacity + 16) - 4;
            int length = random.nextInt(Math.min(capacity, 4096) + 8);
            long value = random.nextLong();
            boolean le = random.nextBoolean();
            ByteOrder order = le ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            switch (random.nextInt(38)) {
                case 0: same("writeByte", b -> b.writeByte((int) value)); break;
                case 1: same("writeShort" + order, b -> b.order(order).writeShort((int) value)); break;
                case 2: same("writeMedium", b -> le ? b.writeMediumLE((int) value) : b.writeMedium((int) value)); break;
                case 3: same("writeInt" + order, b -> le ? b.writeIntLE((int) value) : b.writeInt((int) value)); break;
                case 4: same("writeLong" + order, b -> le ? b.writeLongLE(value) : b.writeLong(value)); break;
                case 5: same("writeDouble", b -> b.order(order).writeDouble(Double.longBitsToDouble(value))); break;
                case 6: same("writeBytes(byte[])", b -> b.writeBytes(bytes)); break;
                case 7: same("writeBytes(ByteBuffer)", b -> b.writeBytes(ByteBuffer.wrap(bytes))); break;
                case 8: same("writeBytes(direct ByteBuffer)", b -> {
                    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes);
                    direct.flip();
                    return b.writeBytes(direct);
                });
                    break;
                case 9: same("setByte", b -> b.setByte(index, (int) value)); break;
                case 10: same("setShort" + order, b -> le ? b.setShortLE(index, (int) value) : b.setShort(index, (int) value)); break;
                case 11: same("setMedium" + order, b -> le ? b.setMediumLE(index, (int) value) : b.setMedium(index, (int) value)); break;
                case 12: same("setInt" + order, b -> le ? b.setIntLE(index, (int) value) : b.setInt(index, (int) value)); break;
                case 13: same("setLong" + order, b -> le ? b.setLongLE(index, value) : b.setLong(index, value)); break;
                case 14: same("setBytes(byte[])", b -> b.setBytes(index, bytes)); break;
                case 15: same("getByte/getUnsignedByte", b -> b.getByte(index) + ":" + b.getUnsignedByte(index)); break;
                case 16: same("getShort" + order, b -> le ? b.getShortLE(index) + ":" + b.getUnsignedShortLE(index)
                    : b.getShort(index) + ":" + b.getUnsignedShort(index)); break;
                case 17: same("getMedium" + order, b -> le ? b.getMediumLE(index) + ":" + b.getUnsignedMediumLE(index)
                    : b.getMedium(index) + ":" + b.getUnsignedMedium(index)); break;
                case 18: same("getInt" + order, b -> le ? b.getIntLE(index) + ":" + b.getUnsignedIntLE(index)
                    : b.getInt(index) + ":" + b.getUnsignedInt(index)); break;
                case 19: same("getLong" + order, b -> le ? b.getLongLE(index) : b.getLong(index)); break;
                case 20: same("order().getLong/getChar/getFloat", b -> b.order(order).getLong(index) + ":"
                    + (int) b.order(order).getChar(index) + ":" + b.order(order).getFloat(index)); break;
                case 21: same("getBytes(byte[])", b -> {
                    byte[] dst = new byte[length];
                    b.getBytes(index, dst);
                    return dst;
                });
                    break;
                case 22: same("read*", b -> b.readableBytes() >= 8 ? b.readLong() + ":" + b.readByte()
                    : b.readableBytes() >= 1 ? (Object) b.readByte() : "empty"); break;
                case 23: same("readerIndex/writerIndex", b -> b.setIndex(Math.min(index, b.writerIndex()), b.writerIndex())); break;
                case 24: same("writerIndex", b -> b.writerIndex(Math.max(index, 0))); break;
                case 25: same("mark/reset/discardReadBytes", b -> {
                    b.markReaderIndex();
                    b.skipBytes(Math.min(b.readableBytes(), 3));
                    b.resetReaderIndex();
                    return b.discardReadBytes();
                });
                    break;
                case 26: same("slice", b -> b.slice(index, Math.min(length, 64))); break;
                case 27: same("duplicate+write", b -> {
                    ByteBuf dup = b.duplicate();
                    dup.setByte(0, 42);
                    return dup;
                });
                    break;
                case 28: same("nioBuffer", b -> b.nioBuffer(index, Math.min(length, 64))); break;
                case 29: same("nioBuffers", b -> b.nioBuffers(index, Math.min(length, 64))[0]); break;
                case 30: same("copy", b -> {
                    ByteBuf copy = b.copy(index, Math.min(length, 64));
                    Object d = describe(null, copy);
                    copy.release();
                    return d;
                });
                    break;
                case 31: same("ensureWritable", b -> b.ensureWritable(length)); break;
                case 32: same("capacity(n)", b -> b.capacity(Math.max(0, index + length))); break;
                case 33: same("indexOf/bytesBefore/setCharSequence", b -> b.indexOf(0, b.writerIndex(), (byte) value)
                    + ":" + b.bytesBefore((byte) 0) + ":" + b.setCharSequence(Math.max(index, 0), "percpu",
                    StandardCharsets.US_ASCII)); break;
                case 34: same("getBytes(index, ByteBuf of the same allocator)", b -> {
                    ByteBuf dst = b.alloc().directBuffer(length + 8);
                    dst.setZero(0, length + 8);
                    try {
                        b.getBytes(index, dst, 4, length);
                        return describe(null, dst.writerIndex(length + 8));
                    } finally {
                        dst.release();
                    }
                });
                    break;
                case 35: same("setBytes(index, ByteBuf of the same allocator)", b -> {
                    ByteBuf src = b.alloc().directBuffer(length + 8).writeBytes(bytes).writeLong(value);
                    try {
                        return b.setBytes(index, src, 8, length);
                    } finally {
                        src.release();
                    }
                });
                    break;
                case 36: same("getBytes/setBytes(heap ByteBuf)", b -> {
                    ByteBuf heap = io.netty.buffer.Unpooled.wrappedBuffer(bytes.clone());
                    b.setBytes(index, heap, 0, Math.min(length, 16));
                    b.getBytes(index, heap, 0, Math.min(length, 16));
                    return describe(null, heap);
                });
                    break;
                case 37: same("streams (in bounds: see oracle())", b -> {
                    int n = Math.min(Math.min(length, 64), b.capacity());
                    int at = Math.max(0, Math.min(index, b.capacity() - n));
                    try {
                        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                        b.getBytes(at, out, n);
                        int read = b.setBytes(at, new java.io.ByteArrayInputStream(bytes), n);
                        return Arrays.toString(out.toByteArray()) + ":" + read;
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                    break;
                default:
                    throw new AssertionError(step);
            }
        }
    }
}
