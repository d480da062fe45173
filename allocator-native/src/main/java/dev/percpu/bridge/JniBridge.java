package dev.percpu.bridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@link Bridge} over JNI: one static native method per operation, in
 * {@code percpu_jni.c}. Batch operations pass the Java array itself (the C
 * side pins it with {@code GetPrimitiveArrayCritical}, which does not copy on
 * HotSpot), so a batch costs one crossing whatever its size.
 *
 * <p>Java-side checks happen here, before the crossing: array ranges, counts
 * and sizes. The native side trusts them.
 */
public final class JniBridge implements Bridge {
    private JniBridge() {
    }

    static JniBridge create() {
        NativeLibrary.load();
        return new JniBridge();
    }

    @Override
    public String name() {
        return "jni";
    }

    @Override
    public int possibleCpus() {
        return nPossibleCpus();
    }

    @Override
    public int rseqStatus() {
        return nRseqStatus();
    }

    @Override
    public int currentCpu() {
        return nCurrentCpu();
    }

    @Override
    public long threadAborts() {
        return nThreadAborts();
    }

    @Override
    public boolean pinCurrentThread(int cpu) {
        return nPinCurrentThread(cpu) == 0;
    }

    @Override
    public int restartLimit() {
        return nRestartLimit();
    }

    @Override
    public void restartLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("restart limit must be >= 1, was " + limit);
        }
        nSetRestartLimit(limit);
    }

    @Override
    public void forceAbort(boolean on) {
        nSetForceAbort(on);
    }

    @Override
    public long layoutOffset(int field) {
        return nLayoutOffset(field);
    }

    @Override
    public long createBlock(int ncpu, int stride) {
        if (ncpu < 1 || stride < 1) {
            throw new IllegalArgumentException("ncpu and stride must be >= 1, were " + ncpu + " and " + stride);
        }
        return nCreateBlock(ncpu, stride);
    }

    @Override
    public void destroyBlock(long block) {
        nDestroyBlock(block);
    }

    @Override
    public int fenceKind() {
        return nFenceKind();
    }

    @Override
    public long remoteFences() {
        return nRemoteFences();
    }

    @Override
    public int remoteTake(long block, int cpu, int[] dst, int offset, int n, boolean fallback) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must be >= 0, was " + cpu);
        }
        return n == 0 ? 0 : nRemoteTake(block, cpu, dst, offset, n, fallback);
    }

    @Override
    public int remotePut(long block, int cpu, int[] src, int offset, int n, boolean fallback) {
        Objects.checkFromIndexSize(offset, n, src.length);
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must be >= 0, was " + cpu);
        }
        return n == 0 ? 0 : nRemotePut(block, cpu, src, offset, n, fallback);
    }

    @Override
    public int remoteSetCapacity(long block, int cpu, int capacity, int[] excess, boolean fallback) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must be >= 0, was " + cpu);
        }
        return nRemoteSetCapacity(block, cpu, capacity, Objects.requireNonNull(excess, "excess"), fallback);
    }

    @Override
    public void releasePages(long address, long bytes) {
        nReleasePages(address, bytes);
    }

    @Override
    public long residentBytes(long address, long bytes) {
        return nResidentBytes(address, bytes);
    }

    @Override
    public void closeBlock(long block, boolean fallback) {
        nCloseBlock(block, fallback);
    }

    @Override
    public int pop(long block) {
        return nPop(block);
    }

    @Override
    public int push(long block, int index) {
        return nPush(block, index);
    }

    @Override
    public int popBatch(long block, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        return n == 0 ? 0 : nPopBatch(block, dst, offset, n);
    }

    @Override
    public int pushBatch(long block, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        return n == 0 ? 0 : nPushBatch(block, src, offset, n);
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

    @Override
    public int fallbackPop(long block) {
        return nFallbackPop(block);
    }

    @Override
    public int fallbackPush(long block, int index) {
        return nFallbackPush(block, index);
    }

    @Override
    public int fallbackPopBatch(long block, int[] dst, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, dst.length);
        return n == 0 ? 0 : nFallbackPopBatch(block, dst, offset, n);
    }

    @Override
    public int fallbackPushBatch(long block, int[] src, int offset, int n) {
        Objects.checkFromIndexSize(offset, n, src.length);
        return n == 0 ? 0 : nFallbackPushBatch(block, src, offset, n);
    }

    @Override
    public long mapRegion(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("region size must be > 0, was " + bytes);
        }
        return nMapRegion(bytes);
    }

    @Override
    public void unmapRegion(long address, long bytes) {
        nUnmapRegion(address, bytes);
    }

    @Override
    public void fillWords(long address, long bytes, long pattern) {
        checkWords(bytes);
        nFillWords(address, bytes, pattern);
    }

    @Override
    public long findWordNot(long address, long bytes, long pattern) {
        checkWords(bytes);
        return nFindWordNot(address, bytes, pattern);
    }

    private static void checkWords(long bytes) {
        if (bytes < 0 || bytes % 8 != 0) {
            throw new IllegalArgumentException("length must be a non-negative multiple of 8, was " + bytes);
        }
    }

    @Override
    public int mmCid() {
        return nMmCid();
    }

    @Override
    public int opAdd(long base, long rowBytes, int ncpu, long locks, int offset, long delta) {
        return nOpAdd(base, rowBytes, ncpu, locks, offset, delta);
    }

    @Override
    public int opCompareStore(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                              int offset2, long value2) {
        return nOpCompareStore(base, rowBytes, ncpu, locks, offset, expect, update, offset2, value2);
    }

    @Override
    public int opCompareCopy(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                             int copyOffset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        return nOpCompareCopy(base, rowBytes, ncpu, locks, offset, expect, update, copyOffset, src, srcOffset, length);
    }

    @Override
    public long eventBegin(long counters, long rowBytes, int ncpu, long locks) {
        return nEcBegin(counters, rowBytes, ncpu, locks);
    }

    @Override
    public int eventCommit(long counters, long rowBytes, int ncpu, long locks, long ticket, long target, long value) {
        return nEcCommit(counters, rowBytes, ncpu, locks, ticket, target, value);
    }

    @Override
    public ByteBuffer view(long address, long length) {
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("view length must be in [0, 2^31), was " + length);
        }
        return nView(address, length).order(ByteOrder.nativeOrder());
    }

    private static native int nPossibleCpus();

    private static native int nRseqStatus();

    private static native int nCurrentCpu();

    private static native long nThreadAborts();

    private static native int nPinCurrentThread(int cpu);

    private static native int nRestartLimit();

    private static native void nSetRestartLimit(int limit);

    private static native void nSetForceAbort(boolean on);

    private static native long nLayoutOffset(int field);

    private static native long nCreateBlock(int ncpu, int stride);

    private static native void nDestroyBlock(long block);

    private static native int nFenceKind();

    private static native long nRemoteFences();

    private static native int nRemoteTake(long block, int cpu, int[] dst, int offset, int n, boolean fallback);

    private static native void nCloseBlock(long block, boolean fallback);

    private static native int nRemotePut(long block, int cpu, int[] src, int offset, int n, boolean fallback);

    private static native int nRemoteSetCapacity(long block, int cpu, int capacity, int[] excess, boolean fallback);

    private static native void nReleasePages(long address, long bytes);

    private static native long nResidentBytes(long address, long bytes);

    private static native int nPop(long block);

    private static native int nPush(long block, int index);

    private static native int nPopBatch(long block, int[] dst, int offset, int n);

    private static native int nPushBatch(long block, int[] src, int offset, int n);

    private static native int nPopAddresses(long block, boolean fallback, long[] dst, int offset, int n, long region,
                                            int shift);

    private static native int nPushAddresses(long block, boolean fallback, long[] src, int offset, int n,
                                             long region, int shift, long limit);

    private static native int nFallbackPop(long block);

    private static native int nFallbackPush(long block, int index);

    private static native int nFallbackPopBatch(long block, int[] dst, int offset, int n);

    private static native int nFallbackPushBatch(long block, int[] src, int offset, int n);

    private static native long nMapRegion(long bytes);

    private static native void nUnmapRegion(long address, long bytes);

    private static native void nFillWords(long address, long bytes, long pattern);

    private static native long nFindWordNot(long address, long bytes, long pattern);

    private static native ByteBuffer nView(long address, long length);

    private static native int nMmCid();

    private static native int nOpAdd(long base, long rowBytes, int ncpu, long locks, int offset, long delta);

    private static native int nOpCompareStore(long base, long rowBytes, int ncpu, long locks, int offset, long expect,
                                              long update, int offset2, long value2);

    private static native int nOpCompareCopy(long base, long rowBytes, int ncpu, long locks, int offset, long expect,
                                             long update, int copyOffset, byte[] src, int srcOffset, int length);

    private static native long nEcBegin(long counters, long rowBytes, int ncpu, long locks);

    private static native int nEcCommit(long counters, long rowBytes, int ncpu, long locks, long ticket, long target,
                                        long value);
}
