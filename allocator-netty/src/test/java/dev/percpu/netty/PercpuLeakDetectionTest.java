package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Netty's {@link ResourceLeakDetector} sees a percpu buffer that is dropped
 * without release, as with Netty's own allocators: heard through Netty's
 * leak listener ({@link ByteBufUtil#setLeakListener}), not by reading logs.
 */
class PercpuLeakDetectionTest {
    private final OpenAllocators allocators = new OpenAllocators();
    private final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();

    @AfterEach
    void restore() {
        ByteBufUtil.setLeakListener(null);
        ResourceLeakDetector.setLevel(level);
        allocators.closeAll();
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void shouldReportADroppedBufferToNettysLeakListener(Mode mode) throws InterruptedException {
        PercpuByteBufAllocator alloc = allocators.open(mode, b -> b);
        ConcurrentLinkedQueue<String> leaks = new ConcurrentLinkedQueue<>();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBufUtil.setLeakListener((resourceType, records) -> leaks.add(resourceType));
        dropOneBuffer(alloc, "dropped in " + mode + " at " + System.nanoTime());
        for (int i = 0; i < 200 && leaks.isEmpty(); i++) {
            System.gc();
            Thread.sleep(10);
            // The detector reports collected, unreleased buffers when the next buffer is tracked.
            alloc.directBuffer(8).release();
        }
        String leak = leaks.peek();
        assertNotNull(leak, "the leak listener heard of the dropped buffer");
        assertTrue(leak.contains("ByteBuf"), leak);
    }

    /** Allocates and drops a buffer touched with a unique hint (Netty reports a given record only once per JVM). */
    private static void dropOneBuffer(PercpuByteBufAllocator alloc, String hint) {
        ByteBuf buf = alloc.directBuffer(128);
        buf.writeInt(1).touch(hint);
        assertTrue(buf.getClass() != PercpuByteBuf.class, "PARANOID wraps every buffer: " + buf.getClass());
    }
}
