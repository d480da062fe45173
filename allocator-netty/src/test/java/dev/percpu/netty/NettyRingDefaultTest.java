package dev.percpu.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.ForkedJvm;
import dev.percpu.bridge.RseqAvailability;
import dev.percpu.runtime.Mode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PercpuByteBufAllocator#DEFAULT} under the JVM settings Netty's allocator benchmarks use
 * ({@code -Xmx768m -XX:MaxDirectMemorySize=768m}) and their ring of 8192 live buffers of one size,
 * at every size they measure: it runs, with no fallback to another class or the large path, and
 * its cap follows the direct memory limit. One child JVM per size, as the benchmark forks.
 */
class NettyRingDefaultTest {
    @ParameterizedTest
    @CsvSource({
        "0, RSEQ", "256, RSEQ", "1024, RSEQ", "4096, RSEQ", "16384, RSEQ", "65536, RSEQ",
        "0, FALLBACK", "4096, FALLBACK", "65536, FALLBACK",
    })
    void shouldRunNettysRingWithTheDefaultAllocatorWithoutAFallback(int size, Mode mode) throws Exception {
        if (mode == Mode.RSEQ) {
            RseqAvailability.requireRseq();
        }
        ForkedJvm child = ForkedJvm.run(NettyRingChild.class, List.of("-Xmx768m", "-XX:MaxDirectMemorySize=768m",
            "-Dpercpu.mode=" + mode, "-Dio.netty.leakDetection.level=disabled"),
            Map.of(), String.valueOf(size), "200000");
        assertEquals(0, child.exitCode, child.toString());
        assertEquals(mode.name(), child.value("mode"), child.toString());
        assertEquals(768L << 20, Long.parseLong(child.value("maxMemory")), "the cap follows MaxDirectMemorySize");
        assertEquals("0", child.value("fallbacks"), child.toString());
        assertEquals("0", child.value("largeBuffers"), child.toString());
        long cached = Long.parseLong(child.value("cachedAfter"));
        assertTrue(cached <= PercpuByteBufAllocator.DEFAULT.eventLoopCacheBoundBytes(),
            "the ring's thread is a FastThreadLocalThread: its front cache keeps at most its bound: " + child);
        assertEquals("true", child.value("trimmed"), child.toString());
        assertEquals("0", child.value("inUseAfter"), "every buffer back once the thread's cache is trimmed: " + child);
        long committed = Long.parseLong(child.value("committedWithRing"));
        assertTrue(committed <= 768L << 20, child.toString());
        assertTrue(committed >= 8192L * Math.max(size, 16), "the ring's memory is committed: " + child);
    }
}
