package dev.percpu.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * What the FFM bindings ({@link FfmStackCalls}, {@link FfmPrimitiveCalls})
 * share: the symbol lookup, the downcall options, and the per-thread cache
 * of heap segments for batch arrays.
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
    private static final ThreadLocal<LastSegment> LAST_SEGMENT = ThreadLocal.withInitial(LastSegment::new);

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
     * cached per thread for the last array it passed: the pools pass the
     * same scratch array on every batch call, so batch calls allocate no
     * segment in steady state.
     */
    static MemorySegment segmentOf(Object array) {
        LastSegment last = LAST_SEGMENT.get();
        if (last.array != array) {
            last.array = array;
            last.segment = array instanceof int[] ? MemorySegment.ofArray((int[]) array)
                : MemorySegment.ofArray((long[]) array);
        }
        return last.segment;
    }

    static IllegalStateException failed(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }

    /** A thread's most recent batch array and its segment. */
    private static final class LastSegment {
        Object array;
        MemorySegment segment;
    }
}
