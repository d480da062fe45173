package dev.percpu.benchmarks.percpu;

import dev.percpu.runtime.Mode;
import dev.percpu.SizeClassAllocator;
import dev.percpu.SizeClassConfig;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
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
 * Where a {@code PercpuByteBufAllocator} allocate + release goes, one thread, rseq mode, for
 * {@code size} 4096 or {@code random16k} ({@link ByteBufSizes#RANDOM_16K}, 1 B to 16 KiB).
 * Single pieces:
 * <ul>
 *   <li>{@code sizeClassPair}: the size-class pair underneath, {@code tryAllocate(size)} +
 *       {@code free} (it finds the class of the size once);</li>
 *   <li>{@code atomicDecrement}: one atomic {@code getAndAdd} (the reference count's last
 *       release is one such atomic in Netty's {@code RefCnt});</li>
 *   <li>{@code byteBufPair}: the whole {@code directBuffer(size)} + {@code release()}.</li>
 * </ul>
 * A ladder, each rung the one before plus one piece, built from public calls only (the
 * adapter's own table, its take-by-index and {@code init} are package-private, so they appear as models, and
 * what the models miss shows as the gap between the top rung and {@code byteBufPair}):
 * <ol>
 *   <li>{@code sizeClassPair};</li>
 *   <li>{@code plusClassOf}: plus {@code classOf(size)}, the adapter's own class lookup
 *       before {@code tryAllocate} does it again;</li>
 *   <li>{@code plusTable}: plus a model of the wrapper table: the idle buffer object of the
 *       block taken out of a per-class paged array (acquire loads, then a null store) after the
 *       allocation and put back (release store) before the free, indexed by the address's
 *       bits (a shift and a mask; no address-to-index division);</li>
 *   <li>{@code plusInit}: plus the index and mark reset of the adapter's {@code init}
 *       ({@code clear()}, {@code markReaderIndex()}, {@code markWriterIndex()}) on that buffer
 *       object, a real {@code PercpuByteBuf} held for the whole run;</li>
 *   <li>{@code plusRefCount}: plus a reference count's life, a plain store of the initial
 *       count and one atomic {@code getAndAdd} for the last release.</li>
 * </ol>
 * {@code byteBufPair} minus {@code plusRefCount} is then what the ladder leaves out: Netty's
 * {@code AbstractByteBufAllocator} checks and leak-level switch, the adapter's availability,
 * closed and large-size checks, the rest of
 * {@code init} (two field stores), and the calls from {@code release()} down to the free.
 * {@code byteBufPair} at Netty's default leak level minus the same with leak detection off is
 * the leak detector's sampling and wrapper. On a {@code FastThreadLocalThread} the whole pair is
 * served by the thread's front cache and skips the size-class pair: compare {@code byteBufPair}
 * across thread types. {@code allocator-benchmarks/scripts/bytebuf-bench.sh} runs all of it on plain threads and on
 * {@code FastThreadLocalThread}s.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Benchmark)
public class ByteBufCostBench {
    private static final VarHandle ENTRIES = MethodHandles.arrayElementVarHandle(ByteBuf[].class);
    private static final VarHandle PAGES = MethodHandles.arrayElementVarHandle(ByteBuf[][].class);
    /** Entries per page of the model table, as in the adapter's table. */
    private static final int PAGE_SHIFT = 10;
    /** Pages per class in the model table: the address bits above the 16-byte quantum, masked to 2^20 entries. */
    private static final int PAGES_PER_CLASS = 1 << 10;

    @Param({"4096", "random16k"})
    public String size;

    private SizeClassAllocator classes;
    private PercpuByteBufAllocator alloc;
    private final AtomicInteger refCnt = new AtomicInteger();
    private int[] sizes;
    /** The model wrapper table: per class, pages of idle buffer objects, made on first use. */
    private ByteBuf[][][] tables;
    /** Every buffer object the model table made, released at the end. */
    private final List<ByteBuf> held = new ArrayList<>();

    /** Each thread's position in the size table. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup
    public void open() {
        classes = SizeClassAllocator.create(SizeClassConfig.builder().mode(Mode.RSEQ).build());
        alloc = PercpuByteBufAllocator.builder().mode(Mode.RSEQ).build();
        sizes = ByteBufSizes.sizes(size);
        tables = new ByteBuf[classes.classCount()][PAGES_PER_CLASS][];
    }

    @TearDown
    public void close() {
        for (ByteBuf buffer : held) {
            buffer.release();
        }
        held.clear();
        classes.close();
        alloc.close();
    }

    @Benchmark
    public long sizeClassPair(Cursor cursor) {
        long address = classes.tryAllocate(next(cursor));
        classes.free(address);
        return address;
    }

    @Benchmark
    public int atomicDecrement() {
        refCnt.lazySet(2);
        return refCnt.getAndAdd(-2);
    }

    @Benchmark
    public boolean byteBufPair(Cursor cursor) {
        return alloc.directBuffer(next(cursor)).release();
    }

    @Benchmark
    public long plusClassOf(Cursor cursor) {
        int n = next(cursor);
        int sizeClass = classes.classOf(n);
        long address = classes.tryAllocate(n);
        classes.free(address);
        return address + sizeClass;
    }

    @Benchmark
    public ByteBuf plusTable(Cursor cursor) {
        int n = next(cursor);
        int sizeClass = classes.classOf(n);
        long address = classes.tryAllocate(n);
        ByteBuf buffer = take(sizeClass, address);
        put(sizeClass, address, buffer);
        classes.free(address);
        return buffer;
    }

    @Benchmark
    public ByteBuf plusInit(Cursor cursor) {
        int n = next(cursor);
        int sizeClass = classes.classOf(n);
        long address = classes.tryAllocate(n);
        ByteBuf buffer = take(sizeClass, address);
        buffer.clear().markReaderIndex().markWriterIndex();
        put(sizeClass, address, buffer);
        classes.free(address);
        return buffer;
    }

    @Benchmark
    public int plusRefCount(Cursor cursor) {
        int n = next(cursor);
        int sizeClass = classes.classOf(n);
        long address = classes.tryAllocate(n);
        ByteBuf buffer = take(sizeClass, address);
        buffer.clear().markReaderIndex().markWriterIndex();
        refCnt.lazySet(2);
        int count = refCnt.getAndAdd(-2);
        put(sizeClass, address, buffer);
        classes.free(address);
        return count;
    }

    private int next(Cursor cursor) {
        return sizes[cursor.next++ & (sizes.length - 1)];
    }

    /** The model table's take: the block's idle buffer object, made on the block's first use. */
    private ByteBuf take(int sizeClass, long address) {
        int entry = (int) (address >>> 4) & ((PAGES_PER_CLASS << PAGE_SHIFT) - 1);
        ByteBuf[][] pages = tables[sizeClass];
        ByteBuf[] page = (ByteBuf[]) PAGES.getAcquire(pages, entry >>> PAGE_SHIFT);
        if (page != null) {
            int at = entry & ((1 << PAGE_SHIFT) - 1);
            ByteBuf buffer = (ByteBuf) ENTRIES.getAcquire(page, at);
            if (buffer != null) {
                ENTRIES.setOpaque(page, at, null);
                return buffer;
            }
        }
        return firstUse(pages, entry);
    }

    /** The model table's put: the buffer object becomes the block's idle one again. */
    private void put(int sizeClass, long address, ByteBuf buffer) {
        int entry = (int) (address >>> 4) & ((PAGES_PER_CLASS << PAGE_SHIFT) - 1);
        ByteBuf[] page = (ByteBuf[]) PAGES.getAcquire(tables[sizeClass], entry >>> PAGE_SHIFT);
        ENTRIES.setRelease(page, entry & ((1 << PAGE_SHIFT) - 1), buffer);
    }

    private ByteBuf firstUse(ByteBuf[][] pages, int entry) {
        if (pages[entry >>> PAGE_SHIFT] == null) {
            pages[entry >>> PAGE_SHIFT] = new ByteBuf[1 << PAGE_SHIFT];
        }
        ByteBuf buffer = alloc.directBuffer(16);
        held.add(buffer);
        return buffer;
    }
}
