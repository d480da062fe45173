package dev.percpu.examples.pipeline;

import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * An Agrona-style pipeline: a producer thread takes a buffer from the
 * allocator, writes a message into it and hands it through a
 * {@link MessageRing} to a consumer thread, which reads it and releases it
 * (so every buffer is released on another thread than the one that
 * allocated it). After warm-up neither thread allocates on the heap: the
 * buffers, their wrapper objects, the ring and the latency histogram are all
 * reused. The run reports the collections in its measured phase (0 when the
 * allocator makes no garbage) and the heap bytes each thread allocated. The
 * command line runs each allocator once unrecorded before its measured runs,
 * so first-time paths (class loading, the allocators' caches and percpu's
 * buffer objects being made) stay out of the measurement.
 *
 * <p>A message of {@code size} bytes (sizes cycle through {@code --sizes}):
 * <pre>
 *   0        8          16                          size
 *   +--------+----------+---------------------------+
 *   |  seq   | due time |  payload: longs seq + k   |
 *   +--------+----------+---------------------------+
 * </pre>
 * Latency is from the due time (when the message should have been sent: at
 * {@code --rate} messages/s, or at once when the rate is 0) to the moment the
 * consumer reads it, so a stalled producer does not hide its delay. At rate 0
 * the producer runs flat out, the ring stays full and latency is mostly
 * queueing: use a rate for latency, rate 0 for throughput.
 *
 * <p>Netty's leak detector is switched off for the run (its sampling
 * allocates); allocators by {@link NamedAllocator} name ({@code all}: percpu,
 * pooled, pooled-all-threads, adaptive and {@code unpooled-direct}, a
 * {@code ByteBuffer.allocateDirect} per message, freed at release).
 */
public final class ZeroGcPipeline {
    static final String USAGE = String.join("\n",
        "usage: java -jar percpu-examples.jar pipeline [options]",
        "  --allocator LIST   comma-separated: " + NamedAllocator.NAMES + ", or all (default percpu)",
        "  --messages N       measured messages, e.g. 10m (default 10m)",
        "  --warmup N         warm-up messages (default 2m)",
        "  --rate R           messages per second, 0 = flat out (default 0)",
        "  --sizes LIST       message sizes in bytes, cycled (default 64,256,1024,4096; >= 16, multiples of 8)",
        "  --ring N           ring capacity, a power of two (default 1024)",
        "  --rounds N         runs of each allocator, interleaved A B C A B C (default 1)");

    private ZeroGcPipeline() {
    }

    /** The allocator called {@code name} ({@link NamedAllocator}; percpu in rseq mode, 1 GiB cap), added to {@code toClose}. */
    static ByteBufAllocator allocator(String name, List<NamedAllocator> toClose) {
        NamedAllocator allocator = NamedAllocator.create(name, "rseq", "1g");
        toClose.add(allocator);
        return allocator.allocator();
    }

    /**
     * Runs {@code warmup + messages} messages through the pipeline.
     *
     * @param rate messages per second, 0 for as fast as possible
     */
    public static PipelineResult run(String name, ByteBufAllocator alloc, long warmup, long messages, int[] sizes,
            long rate, int ringCapacity) throws InterruptedException {
        for (int size : sizes) {
            if (size < 16 || size % 8 != 0) {
                throw new IllegalArgumentException("message sizes must be >= 16 and multiples of 8: " + size);
            }
        }
        if (warmup < 1 || messages < 1) {
            throw new IllegalArgumentException("warm-up and measured messages must be >= 1: " + warmup + ", " + messages);
        }
        if (Integer.bitCount(sizes.length) != 1) {
            throw new IllegalArgumentException("the number of sizes must be a power of two: " + sizes.length);
        }
        MessageRing<ByteBuf> ring = new MessageRing<>(ringCapacity);
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long total = warmup + messages;
        long periodNanos = rate == 0 ? 0 : 1_000_000_000L / rate;
        long[] producerSide = new long[3];
        long[] consumerSide = new long[6];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> produce(alloc, ring, sizes, warmup, total, periodNanos, producerSide, failure),
            "pipeline-producer");
        Thread consumer = new Thread(() -> consume(ring, latency, warmup, total, consumerSide, failure),
            "pipeline-consumer");
        Thread.UncaughtExceptionHandler record = (thread, e) -> failure.compareAndSet(null, e);
        producer.setUncaughtExceptionHandler(record);
        consumer.setUncaughtExceptionHandler(record);
        consumer.start();
        producer.start();
        producer.join();
        consumer.join();
        if (failure.get() != null) {
            for (ByteBuf left; (left = ring.poll()) != null; ) {
                left.release();
            }
            throw new IllegalStateException("the pipeline failed", failure.get());
        }
        return new PipelineResult(name, messages, consumerSide[1] - consumerSide[0], latency,
            consumerSide[4] - consumerSide[3], producerSide[1] - producerSide[0], consumerSide[2], producerSide[2],
            consumerSide[5]);
    }

    private static void produce(ByteBufAllocator alloc, MessageRing<ByteBuf> ring, int[] sizes, long warmup,
            long total, long periodNanos, long[] out, AtomicReference<Throwable> failure) {
        com.sun.management.ThreadMXBean threads = threads();
        int sizeMask = sizes.length - 1;
        long checksum = 0;
        long start = System.nanoTime();
        for (long seq = 0; seq < total; seq++) {
            if (seq == warmup) {
                out[0] = threads.getCurrentThreadAllocatedBytes();
                start = System.nanoTime();
                checksum = 0;
            }
            long due = start + (seq - (seq >= warmup ? warmup : 0)) * periodNanos;
            if (periodNanos == 0) {
                due = System.nanoTime();
            } else {
                while (System.nanoTime() < due) {
                    Thread.onSpinWait();
                }
            }
            int size = sizes[(int) seq & sizeMask];
            ByteBuf buf = alloc.directBuffer(size);
            buf.writeLong(seq).writeLong(due);
            for (int k = 16; k < size; k += 8) {
                buf.writeLong(seq + k);
                checksum += seq + k;
            }
            while (!ring.offer(buf)) {
                if (failure.get() != null) {
                    buf.release();
                    return;
                }
                Thread.onSpinWait();
            }
        }
        out[1] = threads.getCurrentThreadAllocatedBytes();
        out[2] = checksum;
    }

    private static void consume(MessageRing<ByteBuf> ring, Histogram latency, long warmup, long total, long[] out,
            AtomicReference<Throwable> failure) {
        com.sun.management.ThreadMXBean threads = threads();
        long checksum = 0;
        long allocatedBefore = 0;
        long expected = 0;
        while (expected < total) {
            ByteBuf buf = ring.poll();
            if (buf == null) {
                if (failure.get() != null) {
                    return;
                }
                Thread.onSpinWait();
                continue;
            }
            long seq = buf.readLong();
            long due = buf.readLong();
            if (seq != expected) {
                buf.release();
                throw new IllegalStateException("message " + seq + " arrived where " + expected + " was due");
            }
            while (buf.readableBytes() >= 8) {
                checksum += buf.readLong();
            }
            buf.release();
            // Recorded in warm-up too: the first call loads the histogram's classes, which allocates.
            latency.recordValue(Math.min(System.nanoTime() - due, latency.getHighestTrackableValue()));
            expected++;
            if (expected == warmup) {
                // Outside the measured window: the collector beans allocate.
                out[3] = gcCount();
                latency.reset();
                checksum = 0;
                out[0] = System.nanoTime();
                allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            }
        }
        long allocatedAfter = threads.getCurrentThreadAllocatedBytes();
        out[1] = System.nanoTime();
        out[2] = allocatedAfter - allocatedBefore;
        out[4] = gcCount();
        out[5] = checksum;
    }

    private static com.sun.management.ThreadMXBean threads() {
        return (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    }

    /** Collections so far, summed over the collector beans (beans named Concurrent count no pauses and are left out). */
    static long gcCount() {
        long count = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Concurrent")) {
                count += Math.max(0, gc.getCollectionCount());
            }
        }
        return count;
    }

    public static void main(String[] args) throws InterruptedException {
        String allocators = "percpu";
        long messages = 10_000_000;
        long warmup = 2_000_000;
        long rate = 0;
        int[] sizes = {64, 256, 1024, 4096};
        int ring = 1024;
        int rounds = 1;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help") || option.equals("-h") || i + 1 >= args.length) {
                System.out.println(USAGE);
                return;
            }
            String value = args[++i];
            switch (option) {
                case "--allocator": allocators = value; break;
                case "--messages": messages = count(value); break;
                case "--warmup": warmup = count(value); break;
                case "--rate": rate = count(value); break;
                case "--sizes": sizes = java.util.Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray(); break;
                case "--ring": ring = Integer.parseInt(value); break;
                case "--rounds": rounds = Integer.parseInt(value); break;
                default:
                    System.err.println("unknown option " + option + "\n" + USAGE);
                    System.exit(2);
            }
        }
        String[] names = allocators.equals("all")
            ? new String[] {"percpu", "pooled", "pooled-all-threads", "adaptive", "unpooled-direct"}
            : allocators.split(",");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        System.out.printf("zero-GC pipeline: %,d messages after %,d warm-up, sizes %s, rate %s, ring %d, java %s%n",
            messages, warmup, java.util.Arrays.toString(sizes), rate == 0 ? "flat out" : rate + "/s", ring,
            Runtime.version());
        System.out.println("each allocator first runs once unrecorded; latency: due time -> consumer read;"
            + " GCs (all collectors) and heap bytes per thread: measured phase only");
        System.out.println(PipelineResult.header());
        List<NamedAllocator> toClose = new ArrayList<>();
        try {
            ByteBufAllocator[] allocs = new ByteBufAllocator[names.length];
            for (int a = 0; a < names.length; a++) {
                allocs[a] = allocator(names[a], toClose);
            }
            // One unrecorded run per allocator first: first-time paths (class loading, the allocators' arenas
            // and caches growing) stay out of the table, which shows them warm.
            for (int a = 0; a < names.length; a++) {
                run(names[a], allocs[a], warmup, messages, sizes, rate, ring);
            }
            for (int round = 0; round < rounds; round++) {
                for (int a = 0; a < names.length; a++) {
                    System.out.println(run(names[a], allocs[a], warmup, messages, sizes, rate, ring).row());
                }
            }
        } finally {
            toClose.forEach(NamedAllocator::close);
        }
    }

    /** {@code 2000000}, {@code 2000k} or {@code 2m} (powers of 1000). */
    private static long count(String text) {
        char last = Character.toLowerCase(text.charAt(text.length() - 1));
        long scale = last == 'k' ? 1_000 : last == 'm' ? 1_000_000 : 1;
        return Long.parseLong(scale == 1 ? text : text.substring(0, text.length() - 1)) * scale;
    }
}
