package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.AllocationMatrixBench;
import dev.percpu.benchmarks.support.UnsafeAccess;
import java.nio.ByteBuffer;
import sun.misc.Unsafe;

/**
 * The allocation matrix ({@link AllocationMatrixBench}) for
 * {@code ByteBuffer.allocateDirect(size)}. Unlike {@link AllocateDirectBench},
 * which leaves freeing to the GC, every buffer is freed explicitly with
 * {@code Unsafe.invokeCleaner(buffer)} (the JDK's own cleaner: {@code free}
 * of the memory and release of the direct memory reservation), so nothing
 * accumulates between invocations. An allocation includes what
 * {@code allocateDirect} always does: the reservation against
 * {@code MaxDirectMemorySize}, {@code malloc}, zeroing all {@code size}
 * bytes, and the cleaner's registration.
 */
public class MatrixAllocateDirectBench extends AllocationMatrixBench {
    private final Unsafe unsafe = UnsafeAccess.unsafe();

    @Override
    protected long pair() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        unsafe.invokeCleaner(buffer);
        return buffer.capacity();
    }

    @Override
    protected long batch(Batch batch, int n) {
        Object[] buffers = batch.objects;
        for (int i = 0; i < n; i++) {
            buffers[i] = ByteBuffer.allocateDirect(size);
        }
        long capacity = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer buffer = (ByteBuffer) buffers[i];
            capacity += buffer.capacity();
            unsafe.invokeCleaner(buffer);
            buffers[i] = null;
        }
        return capacity;
    }
}
