package dev.percpu.netty;

import io.netty.buffer.ByteBuf;
import java.util.SplittableRandom;

/**
 * Netty's allocator benchmark shape in a child JVM: a ring of 8192 live direct buffers of one size
 * from {@link PercpuByteBufAllocator#DEFAULT}, each replaced at a seeded random index, on a
 * {@code FastThreadLocalThread} as Netty's event loops are. Prints {@code key=value} lines.
 * Arguments: the buffer size, the number of replacements.
 */
public final class NettyRingChild {
    private NettyRingChild() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        int replacements = Integer.parseInt(args[1]);
        Throwable[] failure = new Throwable[1];
        Thread loop = new io.netty.util.concurrent.FastThreadLocalThread(() -> {
            try {
                run(size, replacements);
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        loop.start();
        loop.join();
        if (failure[0] != null) {
            System.out.println("failure=" + failure[0]);
            failure[0].printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void run(int size, int replacements) {
        PercpuByteBufAllocator alloc = PercpuByteBufAllocator.DEFAULT;
        ByteBuf[] ring = new ByteBuf[8192];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = alloc.directBuffer(size);
            if (size > 0) {
                ring[i].setByte(0, 1);
            }
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < replacements; i++) {
            int at = random.nextInt(ring.length);
            ring[at].release();
            ring[at] = alloc.directBuffer(size);
        }
        long committed = alloc.committedBytes();
        for (ByteBuf buf : ring) {
            buf.release();
        }
        System.out.println("mode=" + alloc.mode());
        System.out.println("maxMemory=" + alloc.maxMemory());
        System.out.println("fallbacks=" + alloc.fallbacks());
        System.out.println("largeBuffers=" + alloc.largeBuffers());
        System.out.println("committedWithRing=" + committed);
        System.out.println("cachedAfter=" + alloc.pooledInUseBytes());
        System.out.println("trimmed=" + alloc.trimCurrentThreadCache());
        System.out.println("inUseAfter=" + alloc.pooledInUseBytes());
    }
}
