package dev.percpu.benchmarks.percpu;

import dev.percpu.RebalancerConfig;
import dev.percpu.SlabAllocator;
import dev.percpu.SlabConfig;
import dev.percpu.benchmarks.support.BenchmarkSettings;
import dev.percpu.benchmarks.support.SpscRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

/**
 * Nanoseconds per 4 KiB slot handed from one thread to another: a JMH group
 * of two threads, {@code produce} allocates a slot from a {@link SlabAllocator}
 * and queues its address on a {@link SpscRing} of {@value SpscRing#HANDOVER_CAPACITY} entries,
 * {@code consume} takes it off and frees it. So one CPU's stack only ever
 * empties and the other's only ever fills: every batch goes through the
 * depot (refill on one side, flush on the other), unless the rebalancer
 * moves slots and capacity first. The group's AverageTime score is the mean
 * time per operation over both threads, which equals the time per handed-over
 * slot (each thread does one operation per slot); JMH's {@code gc.alloc.rate.norm}
 * divides by the operations of both threads, so it is half the heap bytes per
 * slot.
 *
 * <p>Allocators ({@code config}): {@code rseq}, no rebalancer;
 * {@code rseq-rebalancer}, with {@code RebalancerConfig.builder().build()}
 * (10 ms period, watermarks 0.25/0.75, capacity range batch..2x, idle drain
 * after 1 s, no trim); {@code fallback-rebalancer}, the same in fallback
 * mode. Each has 65536 slots of 4 KiB (256 MiB reserved with
 * {@code MAP_NORESERVE}; only slots ever handed out are touched), default
 * per-CPU capacity (512) and batch (32). At most {@value SpscRing#HANDOVER_CAPACITY} slots are in
 * the ring plus what the CPU stacks cache, far below 65536, so the pool never
 * runs out; if it did, the producer would spin on {@code tryAllocate()}.
 * Nobody writes to the slots. A thread that spins (ring full or empty)
 * checks {@link Control#stopMeasurement} so the iteration can end.
 */
@State(Scope.Group)
public class PercpuHandoverBench extends BenchmarkSettings {
    @Param({"rseq", "rseq-rebalancer", "fallback-rebalancer"})
    public String config;

    private SlabAllocator allocator;
    private SpscRing ring;

    @Setup
    public void open() {
        SlabConfig.Builder builder = SlabConfig.builder().slotSize(4096).capacitySlots(65536)
            .mode(config.startsWith("fallback") ? dev.percpu.runtime.Mode.FALLBACK : dev.percpu.runtime.Mode.RSEQ);
        if (config.endsWith("-rebalancer")) {
            builder.rebalancer(RebalancerConfig.builder().build());
        }
        allocator = SlabAllocator.create(builder.build());
        ring = new SpscRing(SpscRing.HANDOVER_CAPACITY, false);
    }

    /** Frees what is still in the ring (run once all group threads have left the iteration). */
    @TearDown(Level.Iteration)
    public void emptyRing() {
        for (long address = ring.poll(); address != 0; address = ring.poll()) {
            allocator.free(address);
        }
    }

    @TearDown
    public void close() {
        System.out.println();
        System.out.println(allocator.stats());
        allocator.close();
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public void produce(Control control) {
        long address;
        while ((address = allocator.tryAllocate()) == 0) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
        if (!ring.offer(address, control)) {
            allocator.free(address);
        }
    }

    @Benchmark
    @Group("handover")
    @GroupThreads(1)
    public void consume(Control control) {
        long address = ring.poll(control);
        if (address != 0) {
            allocator.free(address);
        }
    }
}
