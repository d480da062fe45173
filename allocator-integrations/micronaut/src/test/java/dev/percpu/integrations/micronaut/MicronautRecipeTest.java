package dev.percpu.integrations.micronaut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.integrations.GuideSnippets;
import dev.percpu.integrations.HttpEcho;
import dev.percpu.integrations.NettyOnClassPath;
import dev.percpu.integrations.PercpuTraffic;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import io.micronaut.runtime.server.EmbeddedServer;
import io.netty.channel.EventLoopGroup;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Micronaut recipe (docs/api.md, "Using percpu in Micronaut"): an application with
 * {@link PercpuAllocatorCustomizer} (a listener on the Netty server's customizer registry) and the
 * allocator as a bean, its server on 127.0.0.1 and an ephemeral port, echoes request bodies that
 * take many buffers through {@link EchoController}; every request's connection allocates from the
 * percpu allocator, its size classes carved blocks for the traffic, and once the application is
 * closed and its event loops ended every block is back.
 */
class MicronautRecipeTest {

    @Test
    void shouldServeRequestsFromThePercpuAllocator() throws Exception {
        System.out.println("Micronaut recipe on Netty " + NettyOnClassPath.version());
        try (PercpuByteBufAllocator allocator = PercpuByteBufAllocator.builder().maxMemory("64m").build()) {
            PercpuTraffic traffic = PercpuTraffic.before(allocator);
            EchoController echo;
            EventLoopGroup eventLoops;
            try (ApplicationContext context = ApplicationContext.builder()
                    .properties(Map.of("micronaut.server.host", "127.0.0.1", "micronaut.server.port", -1))
                    .singletons(allocator)
                    .start()) {
                EmbeddedServer server = context.getBean(EmbeddedServer.class).start();
                echo = context.getBean(EchoController.class);
                eventLoops = context.getBean(EventLoopGroupRegistry.class).getDefaultEventLoopGroup();
                HttpEcho.echoBodies(server.getPort());
            }
            // Closing the context starts the event loops' graceful shutdown (a 2 s quiet period, 15 s at most by
            // default) without waiting for it; each loop gives its front cache back as its thread ends.
            assertTrue(eventLoops.terminationFuture().await(30, TimeUnit.SECONDS), "Micronaut's event loops did not end");
            assertEquals(Set.of(allocator), echo.connectionAllocators, "the connections' allocator");
            assertTrue(traffic.blocksCarvedSince() > 0, "no block carved for the traffic");
            System.out.println(allocator.mode() + " mode; size classes used (bytes:blocks): " + traffic.classesUsedSince());
            assertEquals(0, allocator.pooledInUseBytes(), "bytes still in use after the application closed");
            assertEquals(0, allocator.largeBuffers(), "large buffers still alive after the application closed");
        }
    }

    @Test
    void shouldShowTheRecipeAsTestedInTheGuide() {
        assertEquals(GuideSnippets.inGuide("Using percpu in Micronaut"),
            GuideSnippets.inSource("src/test/java/dev/percpu/integrations/micronaut/PercpuAllocatorCustomizer.java"));
    }

}
