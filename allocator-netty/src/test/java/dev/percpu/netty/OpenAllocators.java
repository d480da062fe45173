package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.runtime.Mode;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.RseqAvailability;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The allocators a test opened, in the mode it asked for (rseq tests assert
 * the registration the set-up declares and skip only where it declares none:
 * RseqAvailability), closed by {@link #closeAll()} after the test.
 */
final class OpenAllocators {
    private final List<PercpuByteBufAllocator> opened = new ArrayList<>();

    /** A small allocator (64 MiB cap) in {@code mode}, with {@code settings} applied. */
    PercpuByteBufAllocator open(Mode mode, UnaryOperator<PercpuByteBufAllocatorBuilder> settings) {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        PercpuByteBufAllocator alloc = settings.apply(PercpuByteBufAllocator.builder().mode(mode)
            .maxMemory(64L << 20)).build();
        assertEquals(mode, alloc.mode());
        opened.add(alloc);
        return alloc;
    }

    void closeAll() {
        opened.forEach(PercpuByteBufAllocator::close);
        opened.clear();
    }

    /** The {@link PercpuByteBuf} under Netty's leak-aware wrapper, if any. */
    static PercpuByteBuf percpu(ByteBuf buf) {
        ByteBuf b = buf;
        while (!(b instanceof PercpuByteBuf)) {
            b = b.unwrap();
        }
        return (PercpuByteBuf) b;
    }
}
