package dev.percpu.benchmarks.percpu;

import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where a {@code PercpuByteBufAllocator} allocate + release goes on an event-loop thread, where
 * the thread's front cache serves it and no native call is made; one
 * {@code FastThreadLocalThread} with a current Netty executor
 * ({@link dev.percpu.benchmarks.support.FastThreadLocalExecutor}, chosen in {@link Fork}; the
 * set-up refuses any other thread), {@code size} 4096 or {@code random16k}
 * ({@link ByteBufSizes#RANDOM_16K}, 1 B to 16 KiB), leak detection off.
 * Whole pairs, {@code directBuffer(size)} + {@code release()}:
 * <ul>
 *   <li>{@code percpuPair}: {@code PercpuByteBufAllocator.DEFAULT};</li>
 *   <li>{@code adaptivePair}: Netty's {@code AdaptiveByteBufAllocator}, which serves this
 *       thread from its thread-local magazines.</li>
 * </ul>
 * A ladder of models, each rung the one before plus one piece, built from public calls only
 * (the adapter's front cache is package-private, so it appears as a model, and what the models
 * miss shows as the gap between the top rung and {@code percpuPair}):
 * <ol>
 *   <li>{@code threadLocal}: one {@code FastThreadLocal.get()} after the thread-type check,
 *       how an allocation finds its thread's cache;</li>
 *   <li>{@code plusCache}: plus the size's class ({@code classOf}) and the pop and push of
 *       that class's stack of idle buffer objects (the cache's poll and offer, a count per
 *       class);</li>
 *   <li>{@code plusInit}: plus the index and mark reset of the adapter's {@code init}
 *       ({@code clear()}, {@code markReaderIndex()}, {@code markWriterIndex()}) on the buffer
 *       object popped, a real {@code PercpuByteBuf};</li>
 *   <li>{@code plusRefCount}: plus a reference count's life, an ordered store of the initial
 *       count and one atomic {@code getAndAdd} for the last release.</li>
 * </ol>
 * {@code percpuPair} minus {@code plusRefCount} is what the ladder leaves out: Netty's
 * {@code AbstractByteBufAllocator} checks and leak-level switch, the adapter's availability,
 * closed and large-size checks, the rest of {@code init} (two field stores) and the calls from
 * {@code release()} down to the cache's offer. {@code ByteBufCostBench} breaks down the same
 * pair where no front cache serves it (plain threads).
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor"})
@State(Scope.Benchmark)
public class EventLoopCostBench {
    /** Buffer objects per class in the model cache: one is popped and pushed back per operation. */
    private static final int MODEL_DEPTH = 4;

    @Param({"4096", "random16k"})
    public String size;

    private final ByteBufAllocator percpu = PercpuByteBufAllocator.DEFAULT;
    private final ByteBufAllocator adaptive = new AdaptiveByteBufAllocator();
    private final FastThreadLocal<int[]> local = new FastThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[1];
        }
    };
    private final AtomicInteger refCnt = new AtomicInteger();
    private SizeClassAllocator classes;
    private int[] sizes;
    /** The model cache: per class a stack of idle buffer objects, {@code [0, counts[c])} filled. */
    private ByteBuf[][] stacks;
    private int[] counts;

    /** Each thread's position in the size table. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup
        public void onEventLoopThread() {
            if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
                throw new IllegalStateException("EventLoopCostBench runs on FastThreadLocalThreads only: fork with "
                    + "-Djmh.executor=CUSTOM -Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor");
            }
        }
    }

    @Setup
    public void open() {
        classes = SizeClassAllocator.create(SizeClassConfig.builder().build());
        sizes = ByteBufSizes.sizes(size);
        stacks = new ByteBuf[classes.classCount()][MODEL_DEPTH];
        counts = new int[classes.classCount()];
        for (int c = 0; c < stacks.length; c++) {
            for (int i = 0; i < MODEL_DEPTH; i++) {
                stacks[c][i] = percpu.directBuffer(classes.classSize(c));
            }
            counts[c] = MODEL_DEPTH;
        }
    }

    @TearDown
    public void close() {
        for (ByteBuf[] stack : stacks) {
            for (ByteBuf buffer : stack) {
                buffer.release();
            }
        }
        classes.close();
    }

    @Benchmark
    public boolean percpuPair(Cursor cursor) {
        return percpu.directBuffer(next(cursor)).release();
    }

    @Benchmark
    public boolean adaptivePair(Cursor cursor) {
        return adaptive.directBuffer(next(cursor)).release();
    }

    @Benchmark
    public int[] threadLocal(Cursor cursor) {
        next(cursor);
        return cache();
    }

    @Benchmark
    public ByteBuf plusCache(Cursor cursor) {
        int sizeClass = classes.classOf(next(cursor));
        cache()[0]++;
        ByteBuf buffer = poll(sizeClass);
        offer(sizeClass, buffer);
        return buffer;
    }

    @Benchmark
    public ByteBuf plusInit(Cursor cursor) {
        int sizeClass = classes.classOf(next(cursor));
        cache()[0]++;
        ByteBuf buffer = poll(sizeClass);
        buffer.clear().markReaderIndex().markWriterIndex();
        offer(sizeClass, buffer);
        return buffer;
    }

    @Benchmark
    public int plusRefCount(Cursor cursor) {
        int sizeClass = classes.classOf(next(cursor));
        cache()[0]++;
        ByteBuf buffer = poll(sizeClass);
        buffer.clear().markReaderIndex().markWriterIndex();
        refCnt.lazySet(2);
        int count = refCnt.getAndAdd(-2);
        offer(sizeClass, buffer);
        return count;
    }

    private int next(Cursor cursor) {
        return sizes[cursor.next++ & (sizes.length - 1)];
    }

    /** The model of finding the thread's cache: the thread-type check, then the thread-local. */
    private int[] cache() {
        return Thread.currentThread() instanceof FastThreadLocalThread ? local.get() : null;
    }

    private ByteBuf poll(int sizeClass) {
        int n = counts[sizeClass] - 1;
        ByteBuf buffer = stacks[sizeClass][n];
        stacks[sizeClass][n] = null;
        counts[sizeClass] = n;
        return buffer;
    }

    private void offer(int sizeClass, ByteBuf buffer) {
        int n = counts[sizeClass];
        stacks[sizeClass][n] = buffer;
        counts[sizeClass] = n + 1;
    }
}
