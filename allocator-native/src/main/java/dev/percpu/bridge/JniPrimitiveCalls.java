package dev.percpu.bridge;

import java.util.Objects;

/** {@link PrimitiveCalls} over JNI ({@code percpu_jni.c}); {@code currentCpu} is {@link RseqCalls#currentCpu()}. */
final class JniPrimitiveCalls implements PrimitiveCalls {
    JniPrimitiveCalls() {
        NativeLibrary.tryLoad();
    }

    @Override
    public int currentCpu() {
        return RseqCalls.currentCpu();
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
