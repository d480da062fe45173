package dev.percpu.bridge;

import java.util.Objects;

/**
 * {@link StackCalls} over JNI: one static native method per operation, in
 * {@code percpu_jni.c}. Batch calls pass the Java array itself (the C side
 * pins it with {@code GetPrimitiveArrayCritical}, which does not copy on
 * HotSpot), so a batch costs one crossing whatever its size.
 */
final class JniStackCalls implements StackCalls {
    JniStackCalls() {
        NativeLibrary.tryLoad();
    }

    @Override
    public String name() {
        return "jni";
    }

    @Override
    public int pop(long block, boolean fallback) {
        return nPop(block, fallback);
    }

    @Override
    public int push(long block, boolean fallback, int index) {
        return nPush(block, fallback, index);
    }

    @Override
    public int popBatch(long block, boolean fallback, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        return n == 0 ? 0 : nPopBatch(block, fallback, dst, offset, n);
    }

    @Override
    public int pushBatch(long block, boolean fallback, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        return n == 0 ? 0 : nPushBatch(block, fallback, src, offset, n);
    }

    @Override
    public IndexArray newIndexArray(int length) {
        return new IndexArray(new int[length], null);
    }

    @Override
    public int popBatch(long block, boolean fallback, IndexArray dst, int offset, int n) {
        return popBatch(block, fallback, dst.values(), offset, n);
    }

    @Override
    public int pushBatch(long block, boolean fallback, IndexArray src, int offset, int n) {
        return pushBatch(block, fallback, src.values(), offset, n);
    }

    @Override
    public int popAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region, int shift) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        return n == 0 ? 0 : nPopAddresses(block, fallback, dst, offset, n, region, shift);
    }

    @Override
    public int pushAddresses(long block, boolean fallback, long[] src, int offset, int n, long region, int shift,
                             long limit) {
        Objects.checkFromIndexSize(offset, n, src.length);
        return n == 0 ? 0 : nPushAddresses(block, fallback, src, offset, n, region, shift, limit);
    }

    private static native int nPop(long block, boolean fallback);

    private static native int nPush(long block, boolean fallback, int index);

    private static native int nPopBatch(long block, boolean fallback, int[] dst, int offset, int n);

    private static native int nPushBatch(long block, boolean fallback, int[] src, int offset, int n);

    private static native int nPopAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region,
                                            int shift);

    private static native int nPushAddresses(long block, boolean fallback, long[] src, int offset, int n,
                                             long region, int shift, long limit);
}
