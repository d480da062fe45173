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

/**
 * What the FFM bindings ({@link FfmStackCalls}, {@link FfmPrimitiveCalls})
 * share: the symbol lookup, the downcall options, and the per-thread native
 * scratch that batch arrays are copied through.
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
    /** Bytes of a thread's first scratch: a batch of 64 longs. */
    private static final long MIN_SCRATCH_BYTES = 512;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

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

    /**
     * The calling thread's native scratch, at least {@code bytes} long, for
     * one batch call. Batch arrays are copied through it rather than passed
     * as heap segments: a heap segment is a new object per array, and a
     * thread's slow paths pass a different array for every pool they touch
     * (each depot has its own), so a cache of the last array's segment missed
     * whenever a thread alternated between size classes and allocated on
     * about every refill and flush (the zero-GC pipeline measured 2.2 heap
     * bytes per message on both threads). The copy is a batch of ints or
     * longs; the scratch is made once per thread (and again only for a
     * larger batch than any before) and freed when the thread's scratch is
     * collected.
     */
    static MemorySegment scratch(long bytes) {
        Scratch scratch = SCRATCH.get();
        if (scratch.segment.byteSize() < bytes) {
            scratch.segment = Arena.ofAuto().allocate(Math.max(bytes, MIN_SCRATCH_BYTES), Long.BYTES);
        }
        return scratch.segment;
    }

    /** {@code src[offset .. offset + n)} in the thread's scratch, from its start. */
    static MemorySegment copyIn(int[] src, int offset, int n) {
        MemorySegment scratch = scratch((long) n * Integer.BYTES);
        MemorySegment.copy(src, offset, scratch, JAVA_INT, 0, n);
        return scratch;
    }

    /** {@code src[offset .. offset + n)} in the thread's scratch, from its start. */
    static MemorySegment copyIn(long[] src, int offset, int n) {
        MemorySegment scratch = scratch((long) n * Long.BYTES);
        MemorySegment.copy(src, offset, scratch, JAVA_LONG, 0, n);
        return scratch;
    }

    /** Copies the first {@code count} ints of {@code scratch} to {@code dst[offset ..)} (none when {@code count <= 0}); returns {@code count}. */
    static int copyOut(MemorySegment scratch, int[] dst, int offset, int count) {
        if (count > 0) {
            MemorySegment.copy(scratch, JAVA_INT, 0, dst, offset, count);
        }
        return count;
    }

    /** Copies the first {@code count} longs of {@code scratch} to {@code dst[offset ..)} (none when {@code count <= 0}); returns {@code count}. */
    static int copyOut(MemorySegment scratch, long[] dst, int offset, int count) {
        if (count > 0) {
            MemorySegment.copy(scratch, JAVA_LONG, 0, dst, offset, count);
        }
        return count;
    }

    static IllegalStateException failed(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }

    /** A thread's native scratch for batch arrays (empty until its first batch call). */
    private static final class Scratch {
        MemorySegment segment = MemorySegment.NULL;
    }
}
