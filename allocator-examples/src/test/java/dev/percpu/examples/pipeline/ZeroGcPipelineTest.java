package dev.percpu.examples.pipeline;

import dev.percpu.bridge.RseqAvailability;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.NativeLibrary;
import dev.percpu.engine.PerCpuStacks;
import dev.percpu.examples.shared.NamedAllocator;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipeline on percpu, once warm (a first run of the same messages): the
 * producer, which allocates the buffers, and the consumer, which releases
 * them, allocate nothing on the heap in the measured phase, and no
 * collection runs in it; every message arrives in order and intact; no block
 * is left in use. Both modes, on every JDK (JNI bridge on 17-21, FFM on 22+).
 */
class ZeroGcPipelineTest {
    private static final int[] SIZES = {64, 256, 1024, 4096};
    private static final int RING = 1024;
    private final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();

    @BeforeEach
    void noLeakSampling() {
        // SIMPLE, the default, allocates a tracker for one buffer in 128: the pipeline runs without it.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(level);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rseq", "fallback"})
    void shouldAllocateNothingOnTheHotLoopOnceWarm(String mode) throws InterruptedException, ClassNotFoundException {
        if ("rseq".equals(mode)) {
            RseqAvailability.requireRseq();
        }
        try (NamedAllocator allocator = NamedAllocator.create("percpu", mode, "256m")) {
            PercpuByteBufAllocator percpu = (PercpuByteBufAllocator) allocator.allocator();
            assertEquals(mode.toUpperCase(), percpu.mode().name());
            // The JVM's own strings out of the window. Seen under load (both modes, producer and consumer, 56 to
            // 280 B, always whole 56 B pairs): a deoptimisation at the window's start sends the loop back through
            // lower tiers, one of them asks C2 for the first method of a class such as PercpuByteBuf, and HotSpot
            // interns that class's literals on the asking thread first (PercpuByteBuf's one literal, "direct
            // buffer": a 24 B String and a 32 B byte[], the stack of a JVMTI allocation sampler's event pointing at
            // PercpuByteBuf.init, bci 0). See StringLiterals; what the hot loop itself allocates is still measured.
            // Every code source whose classes run in the window is named, percpu-core's too (PerCpuStacks). Without
            // it, 21 runs beside a busy loop per CPU (own registration, JDK 17) charged the consumer 80 B once, in
            // fallback mode: the size of PerCpuStacks' one literal (its string concatenation recipe "capacity must
            // be in [1, \1], was \1", 33 chars: a 24 B String and a 56 B byte[]); the consumer's release pushes
            // through PerCpuStacks, and no other percpu-core class on its path has literals adding up to 80 B. A
            // thread looping on a fallback PerCpuStacks' push and pop (not inlined, so C2 is asked for them on their
            // own) was charged 368 B, and 288 B when that literal was interned first: 80 B less, in every run.
            StringLiterals.internAll(ZeroGcPipeline.class, PercpuByteBufAllocator.class, PerCpuStacks.class,
                NativeLibrary.class, AbstractByteBuf.class, PlatformDependent.class, Histogram.class, Thread.class,
                AtomicReference.class, ReentrantLock.class, ByteBuffer.class, Class.forName("jdk.internal.misc.Unsafe"),
                Class.forName("jdk.internal.util.Preconditions"));
            // A whole first run as warm-up, as the command line does (first-time paths stay out of the measurement).
            assertTrue(ZeroGcPipeline.run("percpu", percpu, 500_000, 1_000_000, SIZES, 0, RING).intact());
            wrapEveryBlockThePipelineCanReach(percpu);
            PipelineResult result = ZeroGcPipeline.run("percpu", percpu, 500_000, 1_500_000, SIZES, 0, RING);
            assertTrue(result.intact(), "the consumer read every payload the producer wrote");
            assertEquals(0, result.producerAllocatedBytes(), "producer heap bytes in the measured phase");
            assertEquals(0, result.consumerAllocatedBytes(), "consumer heap bytes in the measured phase");
            assertEquals(0, result.gcCount(), "collections in the measured phase");
            assertEquals(0, allocator.inUseBytes(), "every buffer released");
        }
    }

    /**
     * A block gets its buffer object when it is first used, and a class uses a new block only when a
     * refill finds the depot empty: the blocks it has then are in flight (at most the ring and the two
     * threads' own) or cached by the CPUs. How many that takes depends on scheduling: with threads moved
     * between CPUs every millisecond (the storm set-up) blocks pile up in the other CPU's cache, and one
     * warm-up run left the classes short of it (the measured phase made 3 x 64 buffer objects, 29,184 B).
     * Holding that many blocks of each size at once, once, uses every block the pipeline can reach.
     */
    private static void wrapEveryBlockThePipelineCanReach(PercpuByteBufAllocator percpu) {
        for (int size : SIZES) {
            int sizeClass = 0;
            while (percpu.classSize(sizeClass) < size) {
                sizeClass++;
            }
            long reach = RING + 2 + 2 * percpu.classStats(sizeClass).capacityOnCpus();
            List<ByteBuf> held = new ArrayList<>();
            for (long i = 0; i < reach; i++) {
                held.add(percpu.directBuffer(size));
            }
            held.forEach(ByteBuf::release);
        }
    }

    @Test
    void shouldRefuseMessageSizesThatCannotHoldTheHeader() {
        try (NamedAllocator allocator = NamedAllocator.create("percpu", "fallback", "256m")) {
            assertThrows(IllegalArgumentException.class,
                () -> ZeroGcPipeline.run("percpu", allocator.allocator(), 10, 10, new int[] {8}, 0, 16));
            assertThrows(IllegalArgumentException.class,
                () -> ZeroGcPipeline.run("percpu", allocator.allocator(), 10, 10, new int[] {64, 128, 256}, 0, 16));
            assertEquals(0, allocator.inUseBytes());
        }
    }
}
