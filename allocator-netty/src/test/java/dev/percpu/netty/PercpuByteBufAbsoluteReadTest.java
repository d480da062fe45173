package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Netty's contract for absolute reads: one buffer may be read at the same
 * time through the buffer itself and its slices and duplicates (each
 * reader owning its derived buffer), by every absolute {@code getBytes}
 * overload and by the relative reads of a derived buffer, which reach the
 * buffer's absolute ones. Threads read random ranges with every overload
 * and compare every byte; any wrong byte or exception is counted per
 * overload, and every count must be 0.
 */
class PercpuByteBufAbsoluteReadTest {
    private static final int CAPACITY = 6000;
    private static final int READERS = 6;
    private static final int ROUNDS = 30_000;
    private static final int MAX_LENGTH = 700;

    /** The overloads (and paths) exercised; index = operation number. */
    private static final String[] OPERATIONS = {
        "getBytes(int, GatheringByteChannel, int)",
        "getBytes(int, FileChannel, long, int)",
        "getBytes(int, OutputStream, int)",
        "getBytes(int, ByteBuffer) heap",
        "getBytes(int, ByteBuffer) direct",
        "getBytes(int, byte[], int, int)",
        "getBytes(int, ByteBuf heap, int, int)",
        "getBytes(int, ByteBuf percpu, int, int)",
        "getBytes(int, ByteBuf unpooled direct, int, int)",
        "nioBuffer(int, int)",
        "internalNioBuffer(int, int) of a derived buffer",
        "setBytes(int, ByteBuf source, int, int) into a percpu buffer",
        "setBytes(int, ByteBuf source, int, int) into a heap buffer",
        "readBytes(GatheringByteChannel, int) of a duplicate",
        "readBytes(FileChannel, long, int) of a duplicate",
        "readBytes(OutputStream, int) of a duplicate",
        "copy(int, int)",
    };

    private final OpenAllocators allocators = new OpenAllocators();

    @TempDir
    Path dir;

    @AfterEach
    void closeAll() {
        allocators.closeAll();
    }

    private static byte expected(int rootIndex) {
        return (byte) (rootIndex * 31 + 7);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldServeConcurrentAbsoluteReadsThroughSlicesAndDuplicatesWithEveryOverload(Mode mode) throws Exception {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ByteBuf root = alloc.directBuffer(CAPACITY, CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            root.writeByte(expected(i));
        }
        // Each reader owns one view of the same memory: the buffer itself, duplicates, slices.
        List<ByteBuf> sources = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        sources.add(root);
        offsets.add(0);
        sources.add(root.duplicate());
        offsets.add(0);
        sources.add(root.slice(16, CAPACITY - 16));
        offsets.add(16);
        sources.add(root.retainedDuplicate());
        offsets.add(0);
        sources.add(root.retainedSlice(100, CAPACITY - 300));
        offsets.add(100);
        sources.add(root.duplicate().slice(1000, 4000));
        offsets.add(1000);
        assertEquals(READERS, sources.size());

        AtomicLongArray failures = new AtomicLongArray(OPERATIONS.length);
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            Reader reader = new Reader(alloc, sources.get(r), offsets.get(r), r == 0, dir.resolve("reader-" + r),
                new Random(r), failures, firstFailure);
            threads.add(new Thread(() -> reader.run(start), "reader-" + r));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }

        StringBuilder report = new StringBuilder();
        long total = 0;
        for (int op = 0; op < OPERATIONS.length; op++) {
            total += failures.get(op);
            if (failures.get(op) != 0) {
                report.append('\n').append(OPERATIONS[op]).append(": ").append(failures.get(op));
            }
        }
        assertEquals(0, total, "wrong reads per overload (first: " + firstFailure.get() + "):" + report);
        for (int i = 0; i < CAPACITY; i++) {
            assertEquals(expected(i), root.getByte(i), "the readers left the contents alone");
        }
        assertEquals(0, root.readerIndex());
        assertEquals(CAPACITY, root.writerIndex());
        sources.get(3).release();
        sources.get(4).release();
        root.release();
        assertEquals(0, alloc.pooledInUseBytes(), "every block back");
    }

    /** One reader thread: its own view, scratch targets and temp file; counts wrong reads per operation. */
    private static final class Reader {
        private final PercpuByteBufAllocator alloc;
        private final ByteBuf source;
        private final int offset;
        private final boolean isRoot;
        private final Path file;
        private final Random random;
        private final AtomicLongArray failures;
        private final AtomicReference<Throwable> firstFailure;
        private final byte[] received = new byte[MAX_LENGTH];
        private final CollectingChannel channel = new CollectingChannel(received);
        private final CollectingStream stream = new CollectingStream(received);

        Reader(PercpuByteBufAllocator alloc, ByteBuf source, int offset, boolean isRoot, Path file, Random random,
               AtomicLongArray failures, AtomicReference<Throwable> firstFailure) {
            this.alloc = alloc;
            this.source = source;
            this.offset = offset;
            this.isRoot = isRoot;
            this.file = file;
            this.random = random;
            this.failures = failures;
            this.firstFailure = firstFailure;
        }

        void run(CountDownLatch start) {
            ByteBuf percpuTarget = alloc.directBuffer(MAX_LENGTH, MAX_LENGTH);
            ByteBuf heapTarget = Unpooled.buffer(MAX_LENGTH, MAX_LENGTH);
            ByteBuf unpooledDirectTarget = Unpooled.directBuffer(MAX_LENGTH, MAX_LENGTH);
            ByteBuffer heapNio = ByteBuffer.allocate(MAX_LENGTH);
            ByteBuffer directNio = ByteBuffer.allocateDirect(MAX_LENGTH);
            try (FileChannel fileChannel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                     StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                start.await();
                for (int round = 0; round < ROUNDS; round++) {
                    int op = round % OPERATIONS.length;
                    if (op == 10 && isRoot) {
                        continue; // the buffer's own internal NIO buffer is shared by contract
                    }
                    int index = random.nextInt(source.capacity());
                    int length = 1 + random.nextInt(Math.min(MAX_LENGTH, source.capacity() - index));
                    try {
                        boolean right = read(op, index, length, fileChannel, percpuTarget, heapTarget,
                            unpooledDirectTarget, heapNio, directNio);
                        if (!right) {
                            failures.incrementAndGet(op);
                            firstFailure.compareAndSet(null,
                                new AssertionError(OPERATIONS[op] + ": wrong bytes at " + index + "+" + length));
                        }
                    } catch (RuntimeException | IOException e) {
                        failures.incrementAndGet(op);
                        firstFailure.compareAndSet(null, e);
                    }
                }
            } catch (Throwable t) {
                firstFailure.compareAndSet(null, t);
                failures.incrementAndGet(0);
            } finally {
                percpuTarget.release();
                heapTarget.release();
                unpooledDirectTarget.release();
            }
        }

        /** Reads {@code length} bytes at {@code index} of the source with operation {@code op}; whether every byte is right. */
        private boolean read(int op, int index, int length, FileChannel fileChannel, ByteBuf percpuTarget,
                             ByteBuf heapTarget, ByteBuf unpooledDirectTarget, ByteBuffer heapNio,
                             ByteBuffer directNio) throws IOException {
            switch (op) {
                case 0:
                    channel.reset();
                    return source.getBytes(index, channel, length) == length && received(index, length, channel.count);
                case 1:
                    fileChannel.truncate(0);
                    return source.getBytes(index, fileChannel, 0, length) == length
                        && fileRead(fileChannel, index, length);
                case 2:
                    stream.reset();
                    source.getBytes(index, stream, length);
                    return received(index, length, stream.count);
                case 3:
                    heapNio.clear().limit(length);
                    source.getBytes(index, heapNio);
                    return heapNio.position() == length && matches(heapNio.flip(), index, length);
                case 4:
                    directNio.clear().limit(length);
                    source.getBytes(index, directNio);
                    return directNio.position() == length && matches(directNio.flip(), index, length);
                case 5:
                    source.getBytes(index, received, 0, length);
                    return received(index, length, length);
                case 6:
                    source.getBytes(index, heapTarget, 0, length);
                    return matches(heapTarget, 0, index, length);
                case 7:
                    source.getBytes(index, percpuTarget, 0, length);
                    return matches(percpuTarget, 0, index, length);
                case 8:
                    source.getBytes(index, unpooledDirectTarget, 0, length);
                    return matches(unpooledDirectTarget, 0, index, length);
                case 9:
                    return matches(source.nioBuffer(index, length), index, length);
                case 10:
                    return matches(source.internalNioBuffer(index, length).slice(), index, length);
                case 11:
                    percpuTarget.setBytes(0, source, index, length);
                    return matches(percpuTarget, 0, index, length);
                case 12:
                    heapTarget.setBytes(0, source, index, length);
                    return matches(heapTarget, 0, index, length);
                case 13: {
                    channel.reset();
                    ByteBuf duplicate = source.duplicate().readerIndex(index);
                    return duplicate.readBytes(channel, length) == length && duplicate.readerIndex() == index + length
                        && received(index, length, channel.count);
                }
                case 14: {
                    fileChannel.truncate(0);
                    ByteBuf duplicate = source.duplicate().readerIndex(index);
                    return duplicate.readBytes(fileChannel, 0, length) == length
                        && duplicate.readerIndex() == index + length && fileRead(fileChannel, index, length);
                }
                case 15: {
                    stream.reset();
                    ByteBuf duplicate = source.duplicate().readerIndex(index);
                    duplicate.readBytes(stream, length);
                    return duplicate.readerIndex() == index + length && received(index, length, stream.count);
                }
                default: {
                    ByteBuf copy = source.copy(index, length);
                    try {
                        return copy.readableBytes() == length && matches(copy, 0, index, length);
                    } finally {
                        copy.release();
                    }
                }
            }
        }

        private boolean fileRead(FileChannel fileChannel, int index, int length) throws IOException {
            ByteBuffer back = ByteBuffer.wrap(received, 0, length);
            while (back.hasRemaining()) {
                if (fileChannel.read(back, back.position()) < 0) {
                    return false;
                }
            }
            return fileChannel.size() == length && received(index, length, length);
        }

        /** Whether {@link #received} holds the {@code count} source bytes at {@code index}, {@code count == length}. */
        private boolean received(int index, int length, int count) {
            if (count != length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (received[i] != expected(offset + index + i)) {
                    return false;
                }
            }
            return true;
        }

        private boolean matches(ByteBuffer got, int index, int length) {
            if (got.remaining() != length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (got.get(got.position() + i) != expected(offset + index + i)) {
                    return false;
                }
            }
            return true;
        }

        private boolean matches(ByteBuf got, int at, int index, int length) {
            for (int i = 0; i < length; i++) {
                if (got.getByte(at + i) != expected(offset + index + i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * A channel that takes its time as a socket write does: it reads the buffer's range, yields,
     * then copies the bytes (moving the position as a channel does) and counts them.
     */
    private static final class CollectingChannel extends SingleBufferChannel {
        private final byte[] into;
        int count;

        CollectingChannel(byte[] into) {
            this.into = into;
        }

        void reset() {
            count = 0;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            Thread.yield();
            src.get(into, count, n);
            count += n;
            return n;
        }
    }

    /** A stream that collects what is written into a given array and counts it. */
    private static final class CollectingStream extends OutputStream {
        private final byte[] into;
        int count;

        CollectingStream(byte[] into) {
            this.into = into;
        }

        void reset() {
            count = 0;
        }

        @Override
        public void write(int b) {
            into[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, into, count, len);
            count += len;
        }
    }
}
