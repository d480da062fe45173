package dev.percpu.metrics;

import dev.percpu.netty.PercpuByteBufAllocator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * A Micrometer {@link MeterBinder} for one {@link PercpuByteBufAllocator}:
 * <pre>
 *   new PercpuAllocatorMetrics(allocator, "http").bindTo(registry);
 * </pre>
 * registers gauges and function counters that read the allocator's own figures when the registry
 * asks (nothing is sampled in between):
 * <ul>
 *   <li>per allocator, named {@code percpu.allocator.*}: memory cap, committed bytes, bytes in use,
 *       the size classes' committed bytes, large-path bytes and buffers, the per-CPU and event-loop cache bounds,
 *       event-loop caches, buffer objects, and the fallbacks counter;</li>
 *   <li>per size class, named {@code percpu.class.*} and tagged {@value #CLASS_SIZE_TAG} (bytes):
 *       bytes in use, cached on the CPUs, free in the depot, the CPUs' cache capacity, committed,
 *       and the counters of bytes handed back, refills, flushes, steals and slow-path entries;</li>
 *   <li>Netty's two standard allocator gauges ({@code netty.allocator.memory.used}, memory type
 *       heap and direct), registered by Micrometer's own {@link NettyAllocatorMetrics}, so they
 *       carry exactly the names and tags that binder gives any Netty allocator.</li>
 * </ul>
 * Every percpu meter is tagged {@value #ALLOCATOR_TAG} (the name given here) and {@value #MODE_TAG}
 * (RSEQ or FALLBACK), plus any common tags given. Sizes are in bytes (base unit
 * {@code bytes}); counts have no base unit. The list with types and units is in {@code docs/metrics.md}.
 *
 * <p>A closed allocator: no meter throws. Figures the allocator still gives after
 * {@code close()} (committed bytes, large bytes, the caps) keep their meaning (0 once its memory is
 * unmapped); figures it can no longer give (per-class figures and bytes in use once its
 * size classes are unmapped) read {@link Double#NaN}, Micrometer's value for "no reading". The
 * meters stay registered until removed from the registry.
 *
 * <p>Cost: a per-class meter takes a snapshot of its class's counters ({@code classStats(i)})
 * each time it is read, a few loads per CPU; a scrape reads each meter once.
 */
public final class PercpuAllocatorMetrics implements MeterBinder {
    /** Tag naming the allocator: the name given to the constructor. */
    public static final String ALLOCATOR_TAG = "allocator";
    /** Tag with the allocator's mode: RSEQ, FALLBACK, or UNAVAILABLE where it cannot serve. */
    public static final String MODE_TAG = "mode";
    /** Tag with a size class's block size in bytes, on the {@code percpu.class.*} meters. */
    public static final String CLASS_SIZE_TAG = "class.size";

    private final AllocatorFigures figures;
    private final String name;
    private final Tags tags;

    /**
     * A binder for {@code allocator}, its meters tagged {@value #ALLOCATOR_TAG}{@code =name}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public PercpuAllocatorMetrics(PercpuByteBufAllocator allocator, String name) {
        this(allocator, name, Tags.empty());
    }

    /**
     * A binder for {@code allocator}, its meters tagged {@value #ALLOCATOR_TAG}{@code =name} and
     * {@code commonTags}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public PercpuAllocatorMetrics(PercpuByteBufAllocator allocator, String name, Iterable<Tag> commonTags) {
        Objects.requireNonNull(allocator, "allocator");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(commonTags, "commonTags");
        if (name.isBlank()) {
            throw new IllegalArgumentException("allocator name is blank");
        }
        this.figures = new AllocatorFigures(allocator);
        this.name = name;
        this.tags = Tags.of(commonTags).and(ALLOCATOR_TAG, name, MODE_TAG, figures.mode());
    }

    /** The allocator name its meters are tagged with. */
    public String name() {
        return name;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        bindAllocator(registry);
        for (int i = 0; i < figures.classCount(); i++) {
            bindClass(registry, i);
        }
        new NettyAllocatorMetrics(figures.allocator()).bindTo(registry);
    }

    private void bindAllocator(MeterRegistry registry) {
        gauge(registry, "percpu.allocator.memory.max", "Cap on the off-heap memory the allocator commits",
            BaseUnits.BYTES, PercpuByteBufAllocator::maxMemory);
        gauge(registry, "percpu.allocator.memory.committed",
            "Off-heap bytes committed now by the size classes and the large path (what the cap bounds)",
            BaseUnits.BYTES, PercpuByteBufAllocator::committedBytes);
        gauge(registry, "percpu.allocator.memory.used",
            "Bytes handed out and not released: size-class blocks (class sizes) and large-path buffers (whole pages)",
            BaseUnits.BYTES, PercpuByteBufAllocator::pooledInUseBytes);
        gauge(registry, "percpu.allocator.pooled.committed", "Bytes of the size classes' memory committed now",
            BaseUnits.BYTES, PercpuByteBufAllocator::pooledCommittedBytes);
        gauge(registry, "percpu.allocator.large.used", "Bytes held by large-path buffers now (whole pages)",
            BaseUnits.BYTES, PercpuByteBufAllocator::largeBytes);
        gauge(registry, "percpu.allocator.large.buffers", "Large-path buffers alive now",
            null, PercpuByteBufAllocator::largeBuffers);
        gauge(registry, "percpu.allocator.cpu.cache.bound",
            "The most the per-CPU caches can hold over all classes and CPUs",
            BaseUnits.BYTES, PercpuByteBufAllocator::perCpuCacheBoundBytes);
        gauge(registry, "percpu.allocator.eventloop.cache.bound",
            "The most one event-loop thread's front cache holds",
            BaseUnits.BYTES, PercpuByteBufAllocator::eventLoopCacheBoundBytes);
        gauge(registry, "percpu.allocator.eventloop.caches", "Event-loop threads with a front cache now",
            null, PercpuByteBufAllocator::eventLoopCaches);
        gauge(registry, "percpu.allocator.buffer.objects", "Buffer objects made so far for the size classes' blocks",
            null, PercpuByteBufAllocator::bufferObjects);
        FunctionCounter.builder("percpu.allocator.fallbacks", figures,
                f -> AllocatorFigures.meterValue(f.read(PercpuByteBufAllocator::fallbacks)))
            .description("Allocations whose class was exhausted, served by a larger class or the large path (or failed)")
            .tags(tags)
            .register(registry);
    }

    private void gauge(MeterRegistry registry, String meter, String description, String unit,
                       ToLongFunction<PercpuByteBufAllocator> figure) {
        Gauge.builder(meter, figures, f -> AllocatorFigures.meterValue(f.read(figure)))
            .description(description)
            .baseUnit(unit)
            .tags(tags)
            .strongReference(true)
            .register(registry);
    }

    private void bindClass(MeterRegistry registry, int i) {
        Tags classTags = tags.and(CLASS_SIZE_TAG, Integer.toString(figures.classSize(i)));
        classGauge(registry, classTags, i, "percpu.class.used", "Bytes of the class's blocks handed out and not released",
            AllocatorFigures::inUseBytes);
        classGauge(registry, classTags, i, "percpu.class.cached.cpu", "Bytes of free blocks cached on the CPUs' stacks",
            AllocatorFigures::cachedOnCpusBytes);
        classGauge(registry, classTags, i, "percpu.class.cached.depot", "Bytes of committed free blocks in the depot",
            AllocatorFigures::depotBytes);
        classGauge(registry, classTags, i, "percpu.class.cpu.cache.capacity",
            "The most the CPUs' stacks of this class may hold", AllocatorFigures::cpuCacheCapacityBytes);
        classGauge(registry, classTags, i, "percpu.class.committed",
            "Bytes of the class's memory committed now (whole chunks)", AllocatorFigures::committedBytes);
        classCounter(registry, classTags, i, "percpu.class.handed.back",
            "Resident bytes returned to the kernel by trimming and hand-back", BaseUnits.BYTES,
            AllocatorFigures::handedBackBytes);
        classCounter(registry, classTags, i, "percpu.class.refills", "Refills of an empty CPU stack from the depot",
            null, AllocatorFigures::refills);
        classCounter(registry, classTags, i, "percpu.class.flushes", "Flushes of a full CPU stack into the depot",
            null, AllocatorFigures::flushes);
        classCounter(registry, classTags, i, "percpu.class.steals", "Batches stolen from CPU stacks when the depot was empty",
            null, AllocatorFigures::steals);
        classCounter(registry, classTags, i, "percpu.class.slow.path",
            "Operations served by the depot because the CPU stack was unusable", null, AllocatorFigures::slowPathEntries);
    }

    private void classGauge(MeterRegistry registry, Tags classTags, int i, String meter, String description,
                            AllocatorFigures.ClassFigure figure) {
        Gauge.builder(meter, figures, f -> AllocatorFigures.meterValue(f.readClass(i, figure)))
            .description(description)
            .baseUnit(BaseUnits.BYTES)
            .tags(classTags)
            .strongReference(true)
            .register(registry);
    }

    private void classCounter(MeterRegistry registry, Tags classTags, int i, String meter, String description,
                              String unit, AllocatorFigures.ClassFigure figure) {
        FunctionCounter.builder(meter, figures, f -> AllocatorFigures.meterValue(f.readClass(i, figure)))
            .description(description)
            .baseUnit(unit)
            .tags(classTags)
            .register(registry);
    }
}
