package dev.percpu;

import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.netty.PercpuOrNettyDefault;
import dev.percpu.primitives.Cpu;
import dev.percpu.primitives.EventCount;
import dev.percpu.primitives.PerCpuCounter;
import dev.percpu.primitives.PerCpuLongArray;
import dev.percpu.runtime.Mode;
import dev.percpu.runtime.PercpuRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.Callable;

/**
 * Main class run by {@link UnsupportedPlatformTest} in a JVM that claims a
 * platform percpu has no library for. Calls every public entry point that
 * needs the native library, each twice, and prints one
 * {@code entry.<name>.<1|2>=<exception class>: <message>} line per call (or
 * {@code returned}); then what the availability API and the Netty one-liner
 * say.
 */
public final class UnsupportedPlatformProbe {
    private UnsupportedPlatformProbe() {
    }

    public static void main(String[] args) {
        // First, before any other percpu class: the allocator's class must initialise on its own.
        PercpuByteBufAllocator first = PercpuByteBufAllocator.DEFAULT;
        System.out.println("defaultIsNull=" + (first == null));
        System.out.println("available=" + PercpuRuntime.isAvailable());
        System.out.println("cause=" + PercpuRuntime.unavailabilityCause());

        call("PercpuRuntime.defaultMode", PercpuRuntime::defaultMode);
        call("PercpuRuntime.registration", PercpuRuntime::registration);
        call("PercpuRuntime.remoteFence", PercpuRuntime::remoteFence);
        call("PercpuRuntime.bridge", PercpuRuntime::bridge);
        call("PercpuRuntime.library", PercpuRuntime::library);
        call("PercpuRuntime.possibleCpus", PercpuRuntime::possibleCpus);
        call("Mode.AUTO.resolved", Mode.AUTO::resolved);
        call("Mode.RSEQ.resolved", Mode.RSEQ::resolved);
        call("Mode.FALLBACK.resolved", Mode.FALLBACK::resolved);
        call("SlabAllocator.create", () -> SlabAllocator.create(
            SlabConfig.builder().slotSize(64).capacitySlots(1024).build()));
        call("SizeClassAllocator.create", () -> SizeClassAllocator.create(SizeClassConfig.builder().build()));
        call("BufferPool.create", () -> BufferPool.create(
            SlabConfig.builder().slotSize(2048).capacitySlots(256).build()));
        call("ObjectPool.build", () -> ObjectPool.builder(StringBuilder::new).capacity(64).build());
        call("PerCpuCounter.create", () -> PerCpuCounter.create(Mode.AUTO));
        call("EventCount.create", () -> EventCount.create(Mode.AUTO));
        call("PerCpuLongArray.create", () -> PerCpuLongArray.create(4));
        call("Cpu.current", Cpu::current);
        call("Cpu.mmCid", Cpu::mmCid);
        call("Cpu.possible", Cpu::possible);
        call("PercpuByteBufAllocator.build", () -> PercpuByteBufAllocator.builder().build());
        PercpuByteBufAllocator shared = PercpuByteBufAllocator.DEFAULT;
        call("DEFAULT.buffer", () -> shared.buffer(64));
        call("DEFAULT.directBuffer", () -> shared.directBuffer(64));
        call("DEFAULT.ioBuffer", () -> shared.ioBuffer(64));
        call("DEFAULT.heapBuffer", () -> shared.heapBuffer(64));
        call("DEFAULT.compositeBuffer", shared::compositeBuffer);
        call("DEFAULT.compositeHeapBuffer", shared::compositeHeapBuffer);
        call("DEFAULT.mode", shared::mode);
        call("DEFAULT.classCount", shared::classCount);
        call("DEFAULT.classStats", () -> shared.classStats(0));
        call("DEFAULT.pooledInUseBytes", shared::pooledInUseBytes);
        call("DEFAULT.drain", shared::drain);
        System.out.println("toString=" + shared);

        ByteBufAllocator chosen = PercpuOrNettyDefault.allocator();
        System.out.println("oneLinerIsNettyDefault=" + (chosen == ByteBufAllocator.DEFAULT));
        System.out.println("oneLinerIsPercpu=" + PercpuOrNettyDefault.isPercpu());
        System.out.println("oneLinerCause=" + PercpuOrNettyDefault.fallbackCause());
        ByteBuf buffer = chosen.buffer(64);
        buffer.writeLong(42);
        System.out.println("oneLinerBuffer=" + buffer.readLong());
        buffer.release();
        System.out.println("done=true");
    }

    private static void call(String name, Callable<?> entry) {
        for (int i = 1; i <= 2; i++) {
            String outcome;
            try {
                entry.call();
                outcome = "returned";
            } catch (Throwable t) {
                outcome = t.getClass().getName() + ": " + t.getMessage();
            }
            System.out.println("entry." + name + "." + i + "=" + outcome.replace('\n', ' '));
        }
    }
}
