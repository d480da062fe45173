/**
 * Metrics of a {@code PercpuByteBufAllocator} ({@code dev.percpu.metrics}): a Micrometer
 * {@code MeterBinder}, {@code PercpuAllocatorMetrics}, and a read-only JMX MXBean per allocator,
 * {@code PercpuAllocatorJmx}, with the same figures.
 */
module dev.percpu.metrics {
    requires transitive dev.percpu.netty;
    requires transitive micrometer.core;
    requires transitive java.management;

    exports dev.percpu.metrics;
}
