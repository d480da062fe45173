package dev.percpu.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@link Bridge} over FFM downcall handles (JDK 22+), shipped in the
 * multi-release jar under {@code META-INF/versions/22}. Every fast
 * operation is a {@code Linker.Option.critical} downcall to a plain C entry
 * point of {@code percpu_ffm.c}: no JNI transition, no safepoint poll;
 * batch and copy calls pass the Java array itself (critical with heap
 * access). Those entry points never block and never call back into Java,
 * as critical downcalls require. Everything that may block or allocate
 * (mapping, remote access, close, views) is delegated to {@link JniBridge}.
 *
 * <p>Native pointers are passed as {@code long} ({@code JAVA_LONG}): on
 * x86-64, the only architecture percpu builds for, a pointer and a 64-bit
 * integer travel in the same registers.
 *
 * <p>Downcall handles are restricted methods: without
 * {@code --enable-native-access=ALL-UNNAMED} (or the jar manifest entry
 * {@code Enable-Native-Access: ALL-UNNAMED}) the JDK prints a warning once
 * and works on.
 */
public final class FfmBridge implements Bridge {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);
    private static final Linker.Option CRITICAL_HEAP = Linker.Option.critical(true);

    /*
     * The handles are static finals on purpose: C2 inlines a downcall only
     * when the MethodHandle is a constant. As instance fields (the first
     * version) every call went through the handle's generic invoker, and the
     * pop + push pair cost 9-10 ns instead of about 5 (BridgeFloorBench).
     * The class initializer loads the library first (JniBridge.create), so
     * the loader lookup finds the symbols.
     */
    private static final JniBridge SLOW = JniBridge.create();
    private static final SymbolLookup LOOKUP = SymbolLookup.loaderLookup();
    private static final FunctionDescriptor INT_OF_LONG = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
    private static final FunctionDescriptor INT_OF_LONG_INT = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT);
    private static final FunctionDescriptor BATCH = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT,
        JAVA_INT);
    private static final MethodHandle POP = handle("percpu_ffm_pop", INT_OF_LONG, CRITICAL);
    private static final MethodHandle PUSH = handle("percpu_ffm_push", INT_OF_LONG_INT, CRITICAL);
    private static final MethodHandle POP_BATCH = handle("percpu_ffm_pop_batch", BATCH, CRITICAL_HEAP);
    private static final MethodHandle PUSH_BATCH = handle("percpu_ffm_push_batch", BATCH, CRITICAL_HEAP);
    private static final MethodHandle POP_ADDRESSES = handle("percpu_ffm_pop_addresses", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), CRITICAL_HEAP);
    private static final MethodHandle PUSH_ADDRESSES = handle("percpu_ffm_push_addresses", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG), CRITICAL_HEAP);
    private static final MethodHandle FALLBACK_POP = handle("percpu_ffm_fb_pop", INT_OF_LONG, CRITICAL);
    private static final MethodHandle FALLBACK_PUSH = handle("percpu_ffm_fb_push", INT_OF_LONG_INT, CRITICAL);
    private static final MethodHandle FALLBACK_POP_BATCH = handle("percpu_ffm_fb_pop_batch", BATCH, CRITICAL_HEAP);
    private static final MethodHandle FALLBACK_PUSH_BATCH = handle("percpu_ffm_fb_push_batch", BATCH,
        CRITICAL_HEAP);
    private static final MethodHandle CURRENT_CPU = handle("percpu_ffm_current_cpu", FunctionDescriptor.of(JAVA_INT),
        CRITICAL);
    private static final MethodHandle MM_CID = handle("percpu_ffm_mm_cid", FunctionDescriptor.of(JAVA_INT), CRITICAL);
    private static final MethodHandle RSEQ_STATUS = handle("percpu_ffm_rseq_status",
        FunctionDescriptor.of(JAVA_INT), CRITICAL);
    private static final MethodHandle THREAD_ABORTS = handle("percpu_ffm_thread_aborts",
        FunctionDescriptor.of(JAVA_LONG), CRITICAL);
    private static final MethodHandle OP_ADD = handle("percpu_ffm_op_add",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG), CRITICAL);
    private static final MethodHandle OP_COMPARE_STORE = handle("percpu_ffm_op_cmp_store", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG),
        CRITICAL);
    private static final MethodHandle OP_COMPARE_COPY = handle("percpu_ffm_op_cmp_copy", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS,
        JAVA_INT), CRITICAL_HEAP);
    private static final MethodHandle EVENT_BEGIN = handle("percpu_ffm_ec_begin",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), CRITICAL);
    private static final MethodHandle EVENT_COMMIT = handle("percpu_ffm_ec_commit", FunctionDescriptor.of(JAVA_INT,
        JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), CRITICAL);

    private final ThreadLocal<LastSegment> lastSegment = ThreadLocal.withInitial(LastSegment::new);

    private FfmBridge() {
    }

    /** Loads the library (through the JNI bridge's loader) and binds every entry point. */
    public static FfmBridge create() {
        return new FfmBridge();
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option option) {
        MemorySegment symbol = LOOKUP.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError(name + " is missing from libpercpu.so"));
        return LINKER.downcallHandle(symbol, descriptor, option);
    }

    /**
     * The heap segment of {@code array}, cached per thread for the last array
     * it passed: the pools pass the same scratch array on every batch call,
     * so this keeps batch calls from allocating a segment each time.
     */
    private MemorySegment segmentOf(int[] array) {
        LastSegment last = lastSegment.get();
        if (last.array != array) {
            last.array = array;
            last.segment = MemorySegment.ofArray(array);
        }
        return last.segment;
    }

    /** {@link #segmentOf(int[])} for {@code long[]}. */
    private MemorySegment segmentOf(long[] array) {
        LastSegment last = lastSegment.get();
        if (last.array != array) {
            last.array = array;
            last.segment = MemorySegment.ofArray(array);
        }
        return last.segment;
    }

    /** A thread's most recent batch array ({@code int[]} or {@code long[]}) and its segment. */
    private static final class LastSegment {
        Object array;
        MemorySegment segment;
    }

    private static IllegalStateException failed(Throwable t) {
        return new IllegalStateException("FFM downcall failed", t);
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public int pop(long block) {
        try {
            return (int) POP.invokeExact(block);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int push(long block, int index) {
        try {
            return (int) PUSH.invokeExact(block, index);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int popBatch(long block, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        try {
            return n == 0 ? 0 : (int) POP_BATCH.invokeExact(block, segmentOf(dst), offset, n);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int pushBatch(long block, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        try {
            return n == 0 ? 0 : (int) PUSH_BATCH.invokeExact(block, segmentOf(src), offset, n);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int popAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region, int shift) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        try {
            return n == 0 ? 0
                : (int) POP_ADDRESSES.invokeExact(block, fallback ? 1 : 0, segmentOf(dst), offset, n, region, shift);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int pushAddresses(long block, boolean fallback, long[] src, int offset, int n, long region, int shift,
                             long limit) {
        Objects.checkFromIndexSize(offset, n, src.length);
        try {
            return n == 0 ? 0 : (int) PUSH_ADDRESSES.invokeExact(block, fallback ? 1 : 0, segmentOf(src), offset, n,
                region, shift, limit);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int fallbackPop(long block) {
        try {
            return (int) FALLBACK_POP.invokeExact(block);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int fallbackPush(long block, int index) {
        try {
            return (int) FALLBACK_PUSH.invokeExact(block, index);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int fallbackPopBatch(long block, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        try {
            return n == 0 ? 0
                : (int) FALLBACK_POP_BATCH.invokeExact(block, segmentOf(dst), offset, n);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int fallbackPushBatch(long block, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        try {
            return n == 0 ? 0
                : (int) FALLBACK_PUSH_BATCH.invokeExact(block, segmentOf(src), offset, n);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int currentCpu() {
        try {
            return (int) CURRENT_CPU.invokeExact();
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int mmCid() {
        try {
            return (int) MM_CID.invokeExact();
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int rseqStatus() {
        try {
            return (int) RSEQ_STATUS.invokeExact();
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public long threadAborts() {
        try {
            return (long) THREAD_ABORTS.invokeExact();
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int opAdd(long base, long rowBytes, int ncpu, long locks, int offset, long delta) {
        try {
            return (int) OP_ADD.invokeExact(base, rowBytes, ncpu, locks, offset, delta);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int opCompareStore(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                              int offset2, long value2) {
        try {
            return (int) OP_COMPARE_STORE.invokeExact(base, rowBytes, ncpu, locks, offset, expect, update, offset2,
                value2);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int opCompareCopy(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                             int copyOffset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        try {
            return (int) OP_COMPARE_COPY.invokeExact(base, rowBytes, ncpu, locks, offset, expect, update, copyOffset,
                MemorySegment.ofArray(src).asSlice(srcOffset), length);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public long eventBegin(long counters, long rowBytes, int ncpu, long locks) {
        try {
            return (long) EVENT_BEGIN.invokeExact(counters, rowBytes, ncpu, locks);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int eventCommit(long counters, long rowBytes, int ncpu, long locks, long ticket, long target, long value) {
        try {
            return (int) EVENT_COMMIT.invokeExact(counters, rowBytes, ncpu, locks, ticket, target, value);
        } catch (Throwable t) {
            throw failed(t);
        }
    }

    @Override
    public int possibleCpus() {
        return SLOW.possibleCpus();
    }

    @Override
    public int restartLimit() {
        return SLOW.restartLimit();
    }

    @Override
    public void restartLimit(int limit) {
        SLOW.restartLimit(limit);
    }

    @Override
    public boolean pinCurrentThread(int cpu) {
        return SLOW.pinCurrentThread(cpu);
    }

    @Override
    public void forceAbort(boolean on) {
        SLOW.forceAbort(on);
    }

    @Override
    public long layoutOffset(int field) {
        return SLOW.layoutOffset(field);
    }

    @Override
    public long createBlock(int ncpu, int stride) {
        return SLOW.createBlock(ncpu, stride);
    }

    @Override
    public void destroyBlock(long block) {
        SLOW.destroyBlock(block);
    }

    @Override
    public int fenceKind() {
        return SLOW.fenceKind();
    }

    @Override
    public long remoteFences() {
        return SLOW.remoteFences();
    }

    @Override
    public int remoteTake(long block, int cpu, int[] dst, int offset, int n, boolean fallback) {
        return SLOW.remoteTake(block, cpu, dst, offset, n, fallback);
    }

    @Override
    public int remotePut(long block, int cpu, int[] src, int offset, int n, boolean fallback) {
        return SLOW.remotePut(block, cpu, src, offset, n, fallback);
    }

    @Override
    public int remoteSetCapacity(long block, int cpu, int capacity, int[] excess, boolean fallback) {
        return SLOW.remoteSetCapacity(block, cpu, capacity, excess, fallback);
    }

    @Override
    public void releasePages(long address, long bytes) {
        SLOW.releasePages(address, bytes);
    }

    @Override
    public long residentBytes(long address, long bytes) {
        return SLOW.residentBytes(address, bytes);
    }

    @Override
    public void closeBlock(long block, boolean fallback) {
        SLOW.closeBlock(block, fallback);
    }

    @Override
    public long mapRegion(long bytes) {
        return SLOW.mapRegion(bytes);
    }

    @Override
    public void unmapRegion(long address, long bytes) {
        SLOW.unmapRegion(address, bytes);
    }

    @Override
    public ByteBuffer view(long address, long length) {
        return SLOW.view(address, length);
    }

    @Override
    public void fillWords(long address, long bytes, long pattern) {
        SLOW.fillWords(address, bytes, pattern);
    }

    @Override
    public long findWordNot(long address, long bytes, long pattern) {
        return SLOW.findWordNot(address, bytes, pattern);
    }
}
