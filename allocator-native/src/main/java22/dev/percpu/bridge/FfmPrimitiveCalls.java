package dev.percpu.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Objects;

/**
 * {@link PrimitiveCalls} over FFM critical downcalls (JDK 22+) to
 * {@code percpu_ffm.c}; see {@link FfmLinker}.
 */
public final class FfmPrimitiveCalls implements PrimitiveCalls {
    private static final MethodHandle CURRENT_CPU = FfmLinker.handle("percpu_ffm_current_cpu", FunctionDescriptor.of(JAVA_INT),
        FfmLinker.CRITICAL);
    private static final MethodHandle MM_CID = FfmLinker.handle("percpu_ffm_mm_cid", FunctionDescriptor.of(JAVA_INT), FfmLinker.CRITICAL);
    private static final MethodHandle OP_ADD = FfmLinker.handle("percpu_ffm_op_add",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG), FfmLinker.CRITICAL);
    private static final MethodHandle OP_COMPARE_STORE = FfmLinker.handle("percpu_ffm_op_cmp_store", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG),
        FfmLinker.CRITICAL);
    private static final MethodHandle OP_COMPARE_COPY = FfmLinker.handle("percpu_ffm_op_cmp_copy", FunctionDescriptor.of(
        JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS,
        JAVA_INT), FfmLinker.CRITICAL_HEAP);
    private static final MethodHandle EVENT_BEGIN = FfmLinker.handle("percpu_ffm_ec_begin",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), FfmLinker.CRITICAL);
    private static final MethodHandle EVENT_COMMIT = FfmLinker.handle("percpu_ffm_ec_commit", FunctionDescriptor.of(JAVA_INT,
        JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), FfmLinker.CRITICAL);

    private FfmPrimitiveCalls() {
    }

    /** Binds every entry point (the library is loaded first). */
    public static FfmPrimitiveCalls create() {
        return new FfmPrimitiveCalls();
    }

    @Override
    public int currentCpu() {
        try {
            return (int) CURRENT_CPU.invokeExact();
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int mmCid() {
        try {
            return (int) MM_CID.invokeExact();
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int opAdd(long base, long rowBytes, int ncpu, long locks, int offset, long delta) {
        try {
            return (int) OP_ADD.invokeExact(base, rowBytes, ncpu, locks, offset, delta);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int opCompareStore(long base, long rowBytes, int ncpu, long locks, int offset, long expect, long update,
                              int offset2, long value2) {
        try {
            return (int) OP_COMPARE_STORE.invokeExact(base, rowBytes, ncpu, locks, offset, expect, update, offset2,
                value2);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
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
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public long eventBegin(long counters, long rowBytes, int ncpu, long locks) {
        try {
            return (long) EVENT_BEGIN.invokeExact(counters, rowBytes, ncpu, locks);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }

    @Override
    public int eventCommit(long counters, long rowBytes, int ncpu, long locks, long ticket, long target, long value) {
        try {
            return (int) EVENT_COMMIT.invokeExact(counters, rowBytes, ncpu, locks, ticket, target, value);
        } catch (Throwable t) {
            throw FfmLinker.failed(t);
        }
    }
}
