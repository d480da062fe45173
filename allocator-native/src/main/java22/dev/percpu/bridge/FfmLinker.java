package dev.percpu.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What the FFM bindings ({@link FfmStackCalls}, {@link FfmPrimitiveCalls})
 * share: the symbol lookup, the downcall options, and the shared native
 * scratches that batch arrays are copied through.
 *
 * <p>Every handle is a {@code Linker.Option.critical} downcall to a C entry
 * point that never blocks and never calls back into Java, as critical
 * downcalls require. Handles are {@code static final} fields of their
 * binding on purpose: C2 inlines a downcall only when the MethodHandle is a
 * constant (as instance fields, the pop + push pair cost 9-10 ns instead of
 * about 5; see docs/benchmarks.md). Native pointers travel as
 * {@code JAVA_LONG}: on x86-64 a pointer and a 64-bit integer use the same
 * registers.
 *
 * <p>Downcall handles are restricted methods: without
 * {@code --enable-native-access} for percpu's module (or {@code ALL-UNNAMED}
 * on the class path) the JDK prints a warning once and works on.
 */
final class FfmLinker {
    static final Linker.Option CRITICAL = Linker.Option.critical(false);
    static final Linker.Option CRITICAL_HEAP = Linker.Option.critical(true);
    static final FunctionDescriptor INT_OF_LONG = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
    static final FunctionDescriptor INT_OF_LONG_INT = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT);
    static final FunctionDescriptor BATCH = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = loadedLookup();
    /** Bytes of one scratch: a batch of 1024 ints or 512 longs. */
    static final long SCRATCH_BYTES = 4096;
    /** Ints between two scratches' flags in {@link #TAKEN}: a cache line each. */
    private static final int FLAG_STRIDE = 16;
    private static final MemorySegment[] SCRATCHES = scratches(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    /** 1 while a call holds the scratch, at {@code index * FLAG_STRIDE}. */
    private static final AtomicIntegerArray TAKEN = new AtomicIntegerArray(SCRATCHES.length * FLAG_STRIDE);

    private FfmLinker() {
    }

    private static SymbolLookup loadedLookup() {
        NativeLibrary.load();
        return SymbolLookup.loaderLookup();
    }

    /** A downcall handle of the library's function {@code name}. */
    static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option option) {
        MemorySegment symbol = LOOKUP.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError(name + " is missing from libpercpu.so"));
        return LINKER.downcallHandle(symbol, descriptor, option);
    }

    private static MemorySegment[] scratches(int count) {
        MemorySegment[] scratches = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            scratches[i] = Arena.global().allocate(SCRATCH_BYTES, Long.BYTES);
        }
        return scratches;
    }

    /**
     * A batch of {@code bytes} goes through a native scratch when it fits one:
     * returns the scratch taken for the call (release it with
     * {@link #release(int)}), or -1 for a larger batch, which is passed as a
     * heap segment of its array instead (one object per call).
     *
     * <p>Why scratches, and why shared: a heap segment is a new object per
     * array, and a thread's slow paths pass a different array for every pool
     * they touch (each depot has its own), so a per-thread cache of the last
     * array's segment missed whenever a thread alternated between size
     * classes: the zero-GC pipeline measured 2.2 heap bytes per message on
     * both threads. A scratch per thread would be made at each thread's first
     * batch call (virtual threads too). The scratches are made once, two per
     * CPU, and a call takes any free one (a flag set by compare-and-set, its
     * own cache line), copies the batch in or out and gives it back; it holds
     * it for one copy and one non-blocking downcall, so a call that finds all
     * taken spins briefly.
     */
    static int take(long bytes) {
        if (bytes > SCRATCH_BYTES) {
            return -1;
        }
        int count = SCRATCHES.length;
        int i = (int) (Thread.currentThread().threadId() % count);
        while (true) {
            for (int k = 0; k < count; k++, i = i + 1 == count ? 0 : i + 1) {
                if (TAKEN.get(i * FLAG_STRIDE) == 0 && TAKEN.compareAndSet(i * FLAG_STRIDE, 0, 1)) {
                    return i;
                }
            }
            Thread.onSpinWait();
        }
    }

    /** Gives back the scratch {@link #take(long)} returned (nothing for -1). */
    static void release(int scratch) {
        if (scratch >= 0) {
            TAKEN.setRelease(scratch * FLAG_STRIDE, 0);
        }
    }

    /** The segment a batch call passes for {@code array}: scratch {@code scratch}, or the array's heap segment for -1. */
    static MemorySegment segment(int scratch, Object array) {
        if (scratch >= 0) {
            return SCRATCHES[scratch];
        }
        return array instanceof int[] ? MemorySegment.ofArray((int[]) array) : MemorySegment.ofArray((long[]) array);
    }

    /** The offset a batch call passes: 0 in a scratch, {@code offset} in the array's own segment. */
    static int offset(int scratch, int offset) {
        return scratch >= 0 ? 0 : offset;
    }

    /** {@link #segment} for a batch read by C: with a scratch, {@code src[offset .. offset + n)} copied into it. */
    static MemorySegment in(int scratch, int[] src, int offset, int n) {
        MemorySegment segment = segment(scratch, src);
        if (scratch >= 0) {
            MemorySegment.copy(src, offset, segment, JAVA_INT, 0, n);
        }
        return segment;
    }

    /** {@link #segment} for a batch read by C: with a scratch, {@code src[offset .. offset + n)} copied into it. */
    static MemorySegment in(int scratch, long[] src, int offset, int n) {
        MemorySegment segment = segment(scratch, src);
        if (scratch >= 0) {
            MemorySegment.copy(src, offset, segment, JAVA_LONG, 0, n);
        }
        return segment;
    }

    /** After a batch written by C: with a scratch, its first {@code count} ints to {@code dst[offset ..)}. Returns count. */
    static int out(int scratch, int[] dst, int offset, int count) {
        if (scratch >= 0 && count > 0) {
            MemorySegment.copy(SCRATCHES[scratch], JAVA_INT, 0, dst, offset, count);
        }
        return count;
    }

    /** After a batch written by C: with a scratch, its first {@code count} longs to {@code dst[offset ..)}. Returns count. */
    static int out(int scratch, long[] dst, int offset, int count) {
        if (scratch >= 0 && count > 0) {
            MemorySegment.copy(SCRATCHES[scratch], JAVA_LONG, 0, dst, offset, count);
        }
        return count;
    }

    static IllegalStateException failed(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }
}
