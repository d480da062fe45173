package dev.percpu.examples.pipeline;

import org.HdrHistogram.Histogram;

/**
 * What one {@link ZeroGcPipeline} run measured, over its measured phase
 * (after warm-up): messages, time, latency (ns, from the time a message was
 * due to be sent to the time the consumer read it), collections, heap bytes
 * allocated by the producer and the consumer thread, and the checksums both
 * sides computed over the payloads (equal when every message arrived intact).
 */
public final class PipelineResult {
    final String allocator;
    final long messages;
    final long nanos;
    final Histogram latency;
    final long gcCount;
    final long producerAllocatedBytes;
    final long consumerAllocatedBytes;
    final long producerChecksum;
    final long consumerChecksum;

    PipelineResult(String allocator, long messages, long nanos, Histogram latency, long gcCount,
            long producerAllocatedBytes, long consumerAllocatedBytes, long producerChecksum, long consumerChecksum) {
        this.allocator = allocator;
        this.messages = messages;
        this.nanos = nanos;
        this.latency = latency;
        this.gcCount = gcCount;
        this.producerAllocatedBytes = producerAllocatedBytes;
        this.consumerAllocatedBytes = consumerAllocatedBytes;
        this.producerChecksum = producerChecksum;
        this.consumerChecksum = consumerChecksum;
    }

    /** Messages per second in the measured phase. */
    public double messagesPerSecond() {
        return messages * 1e9 / nanos;
    }

    /** Collections (pauses) counted by the collector beans during the measured phase. */
    public long gcCount() {
        return gcCount;
    }

    /** Heap bytes the producer thread allocated in the measured phase. */
    public long producerAllocatedBytes() {
        return producerAllocatedBytes;
    }

    /** Heap bytes the consumer thread allocated in the measured phase. */
    public long consumerAllocatedBytes() {
        return consumerAllocatedBytes;
    }

    /** True when the consumer saw every payload byte the producer wrote. */
    public boolean intact() {
        return producerChecksum == consumerChecksum;
    }

    /** Latency percentile in nanoseconds. */
    public long latencyNanos(double percentile) {
        return latency.getValueAtPercentile(percentile);
    }

    /** Table header matching {@link #row()}. */
    static String header() {
        return "| allocator | msgs/s | p50 ns | p99 ns | p99.9 ns | max ns | GCs | producer B | consumer B | intact |\n"
            + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|";
    }

    /** One Markdown table row. */
    String row() {
        return String.format("| %s | %,.0f | %d | %d | %d | %d | %d | %d | %d | %s |", allocator, messagesPerSecond(),
            latencyNanos(50), latencyNanos(99), latencyNanos(99.9), latency.getMaxValue(), gcCount,
            producerAllocatedBytes, consumerAllocatedBytes, intact());
    }
}
