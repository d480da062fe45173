package dev.percpu.netty;

import static dev.percpu.netty.OpenAllocators.percpu;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.bridge.ForkedJvm;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stream overloads ({@code getBytes(int, OutputStream, int)},
 * {@code readBytes(OutputStream, int)}, {@code setBytes(int, InputStream, int)})
 * and the buffer's own relative channel read allocate nothing per call once
 * warm: the heap bytes the calling thread allocates over many calls
 * (HotSpot's per-thread counter, exact to the byte) are 0.
 *
 * <p>The calls are measured in a child JVM running the interpreter only
 * ({@code -Xint}): it executes every allocation the code asks for, with no
 * escape analysis to remove one, and the JIT's own one-off work (a
 * deoptimisation while methods move between tiers allocated a few hundred
 * bytes once in an in-process run) cannot land in the measured calls. So
 * 0 there means the code allocates nothing, exactly, on any JVM. The child
 * inherits the set-up's environment (registration, signal storm); the
 * streams and the channel used allocate nothing themselves, and every byte
 * moved is checked.
 */
class PercpuByteBufStreamAllocationTest {
    private static final int CAPACITY = 64 << 10;
    /** Lengths below, at and above one scratch chunk, up to the whole buffer. */
    private static final int[] LENGTHS = {1, 100, 1024, 8191, 8192, 8193, 20_000, CAPACITY};
    /** System property of the child: the mode to build the allocator in. */
    private static final String MODE_PROPERTY = "percpu.test.streamMode";
    private static final int WARM_UP_ROUNDS = 2 * LENGTHS.length;
    private static final int MEASURED_ROUNDS = 600;

    private static byte pattern(int i) {
        return (byte) (i * 17 + 3);
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldAllocateNothingPerCallInStreamAndRelativeChannelReadsOnceWarm(Mode mode) throws Exception {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        ForkedJvm child = ForkedJvm.run(PercpuByteBufStreamAllocationTest.class,
            List.of("-Xint", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-D" + MODE_PROPERTY + "=" + mode),
            Map.of());
        assertEquals(0, child.exitCode, child.toString());
        assertEquals(mode.name(), child.value("mode"), child.toString());
        assertEquals("0", child.value("wrong"), "rounds that moved a wrong byte: " + child);
        assertEquals("0", child.value("allocated"),
            "heap bytes allocated by " + MEASURED_ROUNDS + " rounds of stream and channel calls: " + child);
        assertEquals("true", child.value("ran"), "every path ran: " + child);
        assertEquals("0", child.value("inUse"), "every block back: " + child);
    }

    /** The child: measures the rounds in the mode {@link #MODE_PROPERTY} names and prints {@code key=value} lines. */
    public static void main(String[] args) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        threads.setThreadAllocatedMemoryEnabled(true);
        Mode mode = Mode.valueOf(System.getProperty(MODE_PROPERTY));
        PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().mode(mode)
            .maxMemory(64L << 20).build();
        // The buffer itself: a leak-detection wrapper (at any level) is not part of what is measured.
        PercpuByteBuf buf = percpu(alloc.directBuffer(CAPACITY, CAPACITY));
        for (int i = 0; i < CAPACITY; i++) {
            buf.setByte(i, pattern(i));
        }
        CheckingOutputStream out = new CheckingOutputStream();
        PatternInputStream in = new PatternInputStream();
        CheckingChannel channel = new CheckingChannel();
        threads.getCurrentThreadAllocatedBytes();

        rounds(buf, out, in, channel, WARM_UP_ROUNDS);
        long before = threads.getCurrentThreadAllocatedBytes();
        long wrong = rounds(buf, out, in, channel, MEASURED_ROUNDS);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        buf.release();
        System.out.println("mode=" + alloc.mode());
        System.out.println("wrong=" + wrong);
        System.out.println("allocated=" + allocated);
        System.out.println("ran=" + (out.bytes > 0 && in.bytes > 0 && channel.bytes > 0));
        System.out.println("inUse=" + alloc.pooledInUseBytes());
        alloc.close();
    }

    /**
     * Each round: fills a range from the input stream, reads a range into the output stream
     * (absolutely, then relatively) and into the channel (relatively); returns the rounds with a wrong byte.
     */
    private static long rounds(PercpuByteBuf buf, CheckingOutputStream out, PatternInputStream in,
                               CheckingChannel channel, int rounds) throws IOException {
        long wrong = 0;
        for (int round = 0; round < rounds; round++) {
            int length = LENGTHS[round % LENGTHS.length];
            int index = (round * 4099) % (CAPACITY - length + 1);

            in.start(index);
            int filled = buf.setBytes(index, in, length);
            boolean right = filled > 0 && filled <= length && in.next == index + filled;

            out.start(index);
            buf.getBytes(index, out, length);
            right &= out.next == index + length && out.right;

            buf.readerIndex(0).writerIndex(CAPACITY).readerIndex(index);
            out.start(index);
            buf.readBytes(out, length);
            right &= out.next == index + length && out.right && buf.readerIndex() == index + length;

            buf.readerIndex(index);
            channel.start(index);
            int written = buf.readBytes(channel, length);
            right &= written == length && channel.next == index + length && channel.right;
            if (!right) {
                wrong++;
            }
        }
        return wrong;
    }

    /** Produces {@link #pattern(int)} from a start position; returns at most 5000 bytes a read, as a socket might. */
    private static final class PatternInputStream extends InputStream {
        int next;
        long bytes;

        void start(int at) {
            next = at;
        }

        @Override
        public int read() {
            bytes++;
            return pattern(next++) & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = Math.min(len, 5000);
            for (int i = 0; i < n; i++) {
                b[off + i] = pattern(next++);
            }
            bytes += n;
            return n;
        }
    }

    /** Checks that what is written is {@link #pattern(int)} from a start position. */
    private static final class CheckingOutputStream extends OutputStream {
        int next;
        boolean right;
        long bytes;

        void start(int at) {
            next = at;
            right = true;
        }

        @Override
        public void write(int b) {
            right &= (byte) b == pattern(next++);
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
                right &= b[off + i] == pattern(next++);
            }
            bytes += len;
        }
    }

    /** Takes everything offered and checks that it is {@link #pattern(int)} from a start position. */
    private static final class CheckingChannel extends SingleBufferChannel {
        int next;
        boolean right;
        long bytes;

        void start(int at) {
            next = at;
            right = true;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            for (int i = 0; i < n; i++) {
                right &= src.get() == pattern(next++);
            }
            bytes += n;
            return n;
        }
    }
}
