package dev.percpu.benchmarks.bridge;

import dev.percpu.bridge.BlockCalls;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.bridge.StackCalls;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per rseq {@code pop} + {@code push} pair straight on the
 * bridge (JNI or FFM, as the JVM binds it): the floor under
 * {@code dev.percpu.SlabAllocator}, without its address arithmetic, bounds
 * checks and slow-path branches. The block has
 * {@value #STRIDE} entries per CPU, half of them filled on every CPU in setup
 * (the setup thread pins itself to each CPU in turn), so a pop finds an index
 * even after migrations have moved some between CPUs. One block is shared by
 * all benchmark threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class BridgeFloorBench {
    private static final int STRIDE = 512;
    private static final int BATCH = 32;
    /** The block's mode as every call passes it: rseq. */
    private static final boolean FALLBACK = false;

    private final StackCalls bridge = Bridges.stacks();
    private long block;

    @Setup
    public void fill() {
        int ncpu = RseqCalls.possibleCpus();
        block = BlockCalls.createBlock(ncpu, STRIDE);
        int next = 0;
        for (int cpu = 0; cpu < ncpu; cpu++) {
            if (!RseqCalls.pinCurrentThread(cpu)) {
                continue;
            }
            for (int i = 0; i < STRIDE / 2; i++) {
                if (bridge.push(block, FALLBACK, next) == 0) {
                    next++;
                }
            }
        }
        RseqCalls.pinCurrentThread(-1);
        if (next == 0) {
            throw new IllegalStateException("no index could be pushed: rseq status " + RseqCalls.rseqStatus());
        }
    }

    @TearDown
    public void destroy() {
        BlockCalls.destroyBlock(block);
    }

    @Benchmark
    @Threads(1)
    public int oneThread() {
        return pair();
    }

    @Benchmark
    @Threads(2)
    public int twoThreads() {
        return pair();
    }

    /** One thread's batch array. */
    @State(Scope.Thread)
    public static class Batch {
        final int[] indices = new int[BATCH];
    }

    /** A popBatch + pushBatch of {@value #BATCH} indices; the score is per index. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public int batchOneThread(Batch batch) {
        int got = bridge.popBatch(block, FALLBACK, batch.indices, 0, BATCH);
        return got > 0 ? bridge.pushBatch(block, FALLBACK, batch.indices, 0, got) : got;
    }

    private int pair() {
        int index = bridge.pop(block, FALLBACK);
        return index >= 0 ? bridge.push(block, FALLBACK, index) : index;
    }
}
