package dev.percpu.bridge;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * What the FFM bindings ({@link FfmStackCalls}, {@link FfmPrimitiveCalls})
 * share: the symbol lookup, the downcall options, and the per-thread cache
 * of heap segments for the callers' batch arrays.
 *
 * <p>Every handle is a {@code Linker.Option.critical} downcall to a C entry
 * point that never blocks and never calls back into Java, as critical
 * downcalls require. Handles are {@code static final} fields of their
 * binding on purpose: C2 inlines a downcall only when the MethodHandle is a
 * constant; from an instance field every call goes through the handle's
 * generic invoker (docs/design.md, "Layers"). Native pointers travel as
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = loadedLookup();
    private static final ThreadLocal<RecentSegments> RECENT_SEGMENTS = ThreadLocal.withInitial(RecentSegments::new);

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
     * The heap segment of {@code array} ({@code int[]} or {@code long[]}),
     * from a per-thread cache of the last {@value RecentSegments#SIZE}
     * arrays the thread passed: the arrays of batch calls that come from
     * the caller (address batches, and the per-thread index chunk of the
     * address-batch path). A caller that alternates between a few arrays
     * allocates nothing in steady state, takes no lock and touches no shared
     * word; the cost is a segment on the thread's first call with each
     * array, the cache object on its first batch call, and a reference to up
     * to that many arrays per thread. Arrays passed on every thread, such as
     * the engine's depot scratch, come as an {@link IndexArray} with their
     * segment made once instead.
     */
    static MemorySegment segmentOf(Object array) {
        RecentSegments recent = RECENT_SEGMENTS.get();
        int last = recent.last;
        return recent.arrays[last] == array ? recent.segments[last] : recent.find(array);
    }

    static IllegalStateException failed(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }

    /** A thread's most recent batch arrays and their segments; a new array replaces the oldest entry. */
    private static final class RecentSegments {
        static final int SIZE = 8;
        final Object[] arrays = new Object[SIZE];
        final MemorySegment[] segments = new MemorySegment[SIZE];
        /** The entry of the last lookup. */
        int last;
        /** The entry the next new array replaces. */
        int oldest;

        MemorySegment find(Object array) {
            for (int i = 0; i < SIZE; i++) {
                if (arrays[i] == array) {
                    last = i;
                    return segments[i];
                }
            }
            int i = oldest;
            oldest = (i + 1) % SIZE;
            arrays[i] = array;
            segments[i] = array instanceof int[] ? MemorySegment.ofArray((int[]) array)
                : MemorySegment.ofArray((long[]) array);
            last = i;
            return segments[i];
        }
    }
}
