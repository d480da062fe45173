package dev.percpu.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * {@link StackCalls} over FFM critical downcalls (JDK 22+, in the
 * multi-release jar under {@code META-INF/versions/22}) to the plain C entry
 * points of {@code percpu_ffm.c}: no JNI transition, no safepoint poll;
 * batch calls pass the Java array itself (critical with heap access). How the
 * handles are made, and why they are static finals, is told on
 * {@link FfmLinker}.
 */
public final class FfmStackCalls implements StackCalls {
    private static final MethodHandle POP = FfmLinker.handle("percpu_ffm_pop", FfmLinker.INT_OF_LONG, FfmLinker.CRITICAL);
    private static final MethodHandle PUSH = FfmLinker.handle("percpu_ffm_push", FfmLinker.INT_OF_LONG_INT, FfmLinker.CRITICAL);
    private static final MethodHandle POP_BATCH = FfmLinker.handle("percpu_ffm_pop_batch", FfmLinker.BATCH, FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle PUSH_BATCH = FfmLinker.handle("percpu_ffm_push_batch", FfmLinker.BATCH, FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle POP_ADDRESSES = FfmLinker.handle("percpu_ffm_pop_addresses", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle PUSH_ADDRESSES = FfmLinker.handle("percpu_ffm_push_addresses", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG), FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle FALLBACK_POP = FfmLinker.handle("percpu_ffm_fb_pop", FfmLinker.INT_OF_LONG, FfmLinker.CRITICAL);
    private static final MethodHandle FALLBACK_PUSH = FfmLinker.handle("percpu_ffm_fb_push", FfmLinker.INT_OF_LONG_INT, FfmLinker.CRITICAL);
    private static final MethodHandle FALLBACK_POP_BATCH = FfmLinker.handle("percpu_ffm_fb_pop_batch", FfmLinker.BATCH, FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle FALLBACK_PUSH_BATCH = FfmLinker.handle("percpu_ffm_fb_push_batch", FfmLinker.BATCH,
        FfmLinker.CRITICAL_HEAP);

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
    public int pop(long block) {
        try {
            return (int) POP.invokeExact(block);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int push(long block, int index) {
        try {
            return (int) PUSH.invokeExact(block, index);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int popBatch(long block, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        try {
            return n == 0 ? 0 : (int) POP_BATCH.invokeExact(block, FfmLinker.segmentOf(dst), offset, n);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int pushBatch(long block, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        try {
            return n == 0 ? 0 : (int) PUSH_BATCH.invokeExact(block, FfmLinker.segmentOf(src), offset, n);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int fallbackPop(long block) {
        try {
            return (int) FALLBACK_POP.invokeExact(block);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int fallbackPush(long block, int index) {
        try {
            return (int) FALLBACK_PUSH.invokeExact(block, index);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int fallbackPopBatch(long block, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        try {
            return n == 0 ? 0
                : (int) FALLBACK_POP_BATCH.invokeExact(block, FfmLinker.segmentOf(dst), offset, n);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int fallbackPushBatch(long block, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        try {
            return n == 0 ? 0
                : (int) FALLBACK_PUSH_BATCH.invokeExact(block, FfmLinker.segmentOf(src), offset, n);
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
