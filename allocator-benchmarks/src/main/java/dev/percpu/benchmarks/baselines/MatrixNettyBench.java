package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.AllocationMatrixBench;
import dev.percpu.benchmarks.support.FastThreadLocalExecutor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Fork;

/**
 * The allocation matrix ({@link AllocationMatrixBench}) for a Netty
 * allocator: {@code directBuffer(size)}, then {@code release()}. A subclass
 * sets {@link #allocator} in {@code open()} (shared by all benchmark
 * threads). The benchmark threads are Netty {@code FastThreadLocalThread}s
 * ({@link FastThreadLocalExecutor}), as on an event loop, so Netty's
 * {@code Recycler} reuses the {@code ByteBuf} objects. The buffers are not
 * written. Every score counts the buffers whose release freed them.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.percpu.benchmarks.support.FastThreadLocalExecutor"})
public abstract class MatrixNettyBench extends AllocationMatrixBench {
    /** The allocator measured. */
    protected ByteBufAllocator allocator;

    @Override
    protected final long pair() {
        return allocator.directBuffer(size).release() ? 1 : 0;
    }

    @Override
    protected final long batch(Batch batch, int n) {
        Object[] buffers = batch.objects;
        for (int i = 0; i < n; i++) {
            buffers[i] = allocator.directBuffer(size);
        }
        long released = 0;
        for (int i = 0; i < n; i++) {
            released += ((ByteBuf) buffers[i]).release() ? 1 : 0;
            buffers[i] = null;
        }
        return released;
    }
}
