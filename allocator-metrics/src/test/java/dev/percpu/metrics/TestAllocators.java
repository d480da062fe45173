package dev.percpu.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.bridge.RseqAvailability;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Allocators in the mode a test asks for (rseq only where the set-up declares a registration:
 * RseqAvailability), and the traffic the tests drive through them.
 */
final class TestAllocators {
    private TestAllocators() {
    }

    /**
     * A small allocator (64 MiB cap) in {@code mode}, with no background hand-back (so no thread but
     * the test's moves a block, and a figure read twice reads the same).
     */
    static PercpuByteBufAllocator open(Mode mode) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        PercpuByteBufAllocator alloc = PercpuByteBufAllocator.builder().mode(mode).maxMemory(64L << 20)
            .handBackAfter(Duration.ZERO).build();
        assertEquals(mode, alloc.mode());
        return alloc;
    }

    /**
     * Allocates and releases buffers of several classes, keeps some of each alive, plus one
     * large-path buffer and one heap buffer; returns the buffers kept (the caller releases them).
     */
    static List<ByteBuf> traffic(PercpuByteBufAllocator alloc) {
        List<ByteBuf> kept = new ArrayList<>();
        int[] capacities = {24, 100, 1000, 4000, 30_000};
        for (int capacity : capacities) {
            List<ByteBuf> round = new ArrayList<>();
            for (int n = 0; n < 300; n++) {
                ByteBuf buf = alloc.directBuffer(capacity);
                buf.writeByte(n);
                round.add(buf);
            }
            for (int n = 0; n < round.size(); n++) {
                if (n % 3 == 0) {
                    kept.add(round.get(n));
                } else {
                    round.get(n).release();
                }
            }
        }
        kept.add(alloc.directBuffer(alloc.maxPooledCapacity() + 1));
        kept.add(alloc.heapBuffer(5000));
        return kept;
    }

    static void releaseAll(List<ByteBuf> buffers) {
        buffers.forEach(ByteBuf::release);
        buffers.clear();
    }
}
