package dev.percpu.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.Mode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The binder's meters scraped by Micrometer's Prometheus registry: the text format carries the
 * allocator's figures under Prometheus names (underscores, {@code _bytes} and {@code _total}
 * suffixes). The scrape is written to {@code target/prometheus-scrape-<mode>.txt}, where the
 * excerpt in docs/metrics.md comes from.
 */
class PrometheusScrapeTest {

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RSEQ", "FALLBACK"})
    void aScrapeCarriesTheAllocatorsFigures(Mode mode) throws IOException {
        try (PercpuByteBufAllocator alloc = TestAllocators.open(mode)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new PercpuAllocatorMetrics(alloc, "http").bindTo(registry);
            List<ByteBuf> kept = TestAllocators.traffic(alloc);
            int firstClass = alloc.classSize(0);
            String scrape = registry.scrape();
            Files.writeString(Path.of("target", "prometheus-scrape-" + mode + ".txt"), scrape);

            String tags = "allocator=\"http\",mode=\"" + mode + "\"";
            assertLine(scrape, "# TYPE percpu_allocator_memory_committed_bytes gauge");
            assertLine(scrape, "percpu_allocator_memory_committed_bytes{" + tags + "} " + (double) alloc.committedBytes());
            assertLine(scrape, "percpu_allocator_large_used_bytes{" + tags + "} " + (double) alloc.largeBytes());
            assertLine(scrape, "# TYPE percpu_allocator_fallbacks_total counter");
            assertLine(scrape, "percpu_allocator_fallbacks_total{" + tags + "} " + (double) alloc.fallbacks());
            assertLine(scrape, "percpu_class_used_bytes{" + tags.replace(",mode", ",class_size=\"" + firstClass + "\",mode")
                + "} " + (double) (alloc.classStats(0).inUse() * firstClass));
            assertLine(scrape, "# TYPE percpu_class_refills_total counter");
            assertTrue(scrape.contains("netty_allocator_memory_used{allocator_type=\"PercpuByteBufAllocator\","),
                "Netty's standard gauges are in the scrape");
            TestAllocators.releaseAll(kept);
        }
    }

    private static void assertLine(String scrape, String line) {
        assertTrue(scrape.lines().anyMatch(line::equals), () -> "no line " + line + " in\n" + scrape);
    }
}
