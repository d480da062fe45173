package dev.percpu.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * {@link StackCalls} over FFM critical downcalls (JDK 22+, in the
 * multi-release jar under {@code META-INF/versions/22}) to the plain C entry
 * points of {@code percpu_ffm.c}: no JNI transition, no safepoint poll;
 * batch calls pass the Java array itself (critical with heap access). The
 * mode travels as a C {@code int} (1: fallback). How the handles are made,
 * and why they are static finals, is told on {@link FfmLinker}.
 */
public final class FfmStackCalls implements StackCalls {
    private static final FunctionDescriptor POP_TYPE = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT);
    private static final FunctionDescriptor PUSH_TYPE = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor BATCH_TYPE = FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle POP = FfmLinker.handle("percpu_ffm_pop", POP_TYPE, FfmLinker.CRITICAL);
    private static final MethodHandle PUSH = FfmLinker.handle("percpu_ffm_push", PUSH_TYPE, FfmLinker.CRITICAL);
    private static final MethodHandle POP_BATCH = FfmLinker.handle("percpu_ffm_pop_batch", BATCH_TYPE, FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle PUSH_BATCH = FfmLinker.handle("percpu_ffm_push_batch", BATCH_TYPE, FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle POP_ADDRESSES = FfmLinker.handle("percpu_ffm_pop_addresses", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle PUSH_ADDRESSES = FfmLinker.handle("percpu_ffm_push_addresses", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG), FfmLinker.CRITICAL_HEAP);

    private FfmStackCalls() {
    }

    /** Binds every entry point (the library is loaded first). */
    public static FfmStackCalls create() {
        return new FfmStackCalls();
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public int pop(long block, boolean fallback) {
        try {
            return (int) POP.invokeExact(block, fallback ? 1 : 0);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int push(long block, boolean fallback, int index) {
        try {
            return (int) PUSH.invokeExact(block, fallback ? 1 : 0, index);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int popBatch(long block, boolean fallback, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        return n == 0 ? 0 : popBatch(block, fallback, FfmLinker.segmentOf(dst), offset, n);
    }

    @Override
    public int pushBatch(long block, boolean fallback, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        return n == 0 ? 0 : pushBatch(block, fallback, FfmLinker.segmentOf(src), offset, n);
    }

    @Override
    public IndexArray newIndexArray(int length) {
        int[] values = new int[length];
        return new IndexArray(values, MemorySegment.ofArray(values));
    }

    @Override
    public int popBatch(long block, boolean fallback, IndexArray dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.values().length);
        return n == 0 ? 0 : popBatch(block, fallback, (MemorySegment) dst.view, offset, n);
    }

    @Override
    public int pushBatch(long block, boolean fallback, IndexArray src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.values().length);
        return n == 0 ? 0 : pushBatch(block, fallback, (MemorySegment) src.view, offset, n);
    }

    /** The pop-batch downcall into {@code dst} (an {@code int[]}'s segment), bounds already checked. */
    private static int popBatch(long block, boolean fallback, MemorySegment dst, int offset, int n) {
        try {
            return (int) POP_BATCH.invokeExact(block, fallback ? 1 : 0, dst, offset, n);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    /** The push-batch downcall from {@code src} (an {@code int[]}'s segment), bounds already checked. */
    private static int pushBatch(long block, boolean fallback, MemorySegment src, int offset, int n) {
        try {
            return (int) PUSH_BATCH.invokeExact(block, fallback ? 1 : 0, src, offset, n);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int popAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region, int shift) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        try {
            return n == 0 ? 0
                : (int) POP_ADDRESSES.invokeExact(block, fallback ? 1 : 0, FfmLinker.segmentOf(dst), offset, n, region, shift);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int pushAddresses(long block, boolean fallback, long[] src, int offset, int n, long region, int shift,
                             long limit) {
        Objects.checkFromIndexSize(offset, n, src.length);
        try {
            return n == 0 ? 0 : (int) PUSH_ADDRESSES.invokeExact(block, fallback ? 1 : 0, FfmLinker.segmentOf(src), offset, n,
                region, shift, limit);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }
}
