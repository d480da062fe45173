package dev.percpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bridge.ForkedJvm;
import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.netty.PercpuOrNettyDefault;
import dev.percpu.runtime.PercpuRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * On a platform percpu has no native library for (a JVM started with a faked
 * {@code os.arch} or {@code os.name}), nothing crashes: every class
 * initialises, {@link PercpuRuntime#isAvailable()} is false with the loader's
 * error as the cause, every public entry point that needs the library throws
 * {@link UnsupportedOperationException} naming that cause, the same on a
 * second call (never {@code NoClassDefFoundError} or an initializer's error),
 * and {@link PercpuOrNettyDefault} serves from Netty's default allocator.
 */
class UnsupportedPlatformTest {
    private static final List<String> ENTRIES = List.of(
        "PercpuRuntime.defaultMode", "PercpuRuntime.registration", "PercpuRuntime.remoteFence",
        "PercpuRuntime.bridge", "PercpuRuntime.library", "PercpuRuntime.possibleCpus",
        "Mode.AUTO.resolved", "Mode.RSEQ.resolved", "Mode.FALLBACK.resolved",
        "SlabAllocator.create", "SizeClassAllocator.create", "BufferPool.create", "ObjectPool.build",
        "PerCpuCounter.create", "EventCount.create", "PerCpuLongArray.create",
        "Cpu.current", "Cpu.mmCid", "Cpu.possible", "PercpuByteBufAllocator.build",
        "DEFAULT.buffer", "DEFAULT.directBuffer", "DEFAULT.ioBuffer", "DEFAULT.heapBuffer",
        "DEFAULT.compositeBuffer", "DEFAULT.compositeHeapBuffer", "DEFAULT.mode", "DEFAULT.classCount",
        "DEFAULT.classStats", "DEFAULT.pooledInUseBytes", "DEFAULT.drain");

    @ParameterizedTest
    @CsvSource({
        "-Dos.arch=riscv64, os.arch=riscv64",
        "-Dos.name=Mac OS X, os.name=Mac OS X",
    })
    void shouldThrowTheDocumentedExceptionFromEveryEntryPoint(String flag, String named) throws Exception {
        // A faked os.arch also makes the JDK's own FFM linker pick that architecture's C ABI, and a downcall
        // through it crashes the JVM; on JDK 24+ Netty frees direct memory through such a downcall unless it
        // may use Unsafe. A real riscv64 JVM has its own ABI, so the child lets Netty use Unsafe there.
        List<String> jvmArgs = Runtime.version().feature() >= 24
            ? List.of(flag, "--sun-misc-unsafe-memory-access=allow") : List.of(flag);
        ForkedJvm run = ForkedJvm.run(UnsupportedPlatformProbe.class, jvmArgs, Map.of());
        assertEquals(0, run.exitCode, run.toString());
        assertEquals("true", run.value("done"), run.toString());
        assertEquals("false", run.value("defaultIsNull"), run.toString());
        assertEquals("false", run.value("available"), run.toString());
        String cause = run.value("cause");
        assertTrue(cause.startsWith("java.lang.UnsatisfiedLinkError: percpu has no native library for")
            && cause.contains(named), "the cause is the loader's error naming the platform: " + run);
        for (String entry : ENTRIES) {
            for (int call = 1; call <= 2; call++) {
                String outcome = run.value("entry." + entry + "." + call);
                assertTrue(outcome != null && outcome.startsWith("java.lang.UnsupportedOperationException: ")
                    && outcome.contains(named), entry + " call " + call + " throws UnsupportedOperationException "
                    + "naming the cause: " + outcome);
            }
        }
        assertTrue(run.value("toString").startsWith("PercpuByteBufAllocator[unavailable: "), run.toString());
        assertEquals("true", run.value("oneLinerIsNettyDefault"), run.toString());
        assertEquals("false", run.value("oneLinerIsPercpu"), run.toString());
        assertEquals(cause, run.value("oneLinerCause"), run.toString());
        assertEquals("42", run.value("oneLinerBuffer"), run.toString());
        assertTrue(!run.output.contains("NoClassDefFoundError") && !run.output.contains("ExceptionInInitializerError"),
            run.toString());
    }

    @Test
    void shouldBeAvailableWithPercpusAllocatorOnThisPlatform() {
        assertTrue(PercpuRuntime.isAvailable(), () -> "cause: " + PercpuRuntime.unavailabilityCause());
        assertEquals(null, PercpuRuntime.unavailabilityCause());
        assertTrue(PercpuOrNettyDefault.isPercpu());
        assertTrue(PercpuOrNettyDefault.allocator() == PercpuByteBufAllocator.DEFAULT);
        assertEquals(null, PercpuOrNettyDefault.fallbackCause());
    }
}
