/**
 * Metrics of a {@link dev.percpu.netty.PercpuByteBufAllocator}: {@link dev.percpu.metrics.PercpuAllocatorMetrics},
 * a Micrometer {@code MeterBinder} (per-allocator and per-class gauges and counters, and Netty's two
 * standard allocator gauges), and {@link dev.percpu.metrics.PercpuAllocatorJmx}, which registers one
 * read-only {@link dev.percpu.metrics.PercpuAllocatorMXBean} per allocator. Both read the allocator's
 * own figures ({@code classStats(i)}, {@code committedBytes()}, ...) when asked, and neither throws
 * once the allocator is closed: see {@code docs/metrics.md}.
 */
package dev.percpu.metrics;
