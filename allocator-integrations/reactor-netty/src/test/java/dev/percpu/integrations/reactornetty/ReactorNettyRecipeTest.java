package dev.percpu.integrations.reactornetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.integrations.GuideSnippets;
import dev.percpu.integrations.HttpEcho;
import dev.percpu.integrations.NettyOnClassPath;
import dev.percpu.integrations.PercpuTraffic;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * The Reactor Netty recipe (docs/api.md, "Using percpu in Reactor Netty"): an {@link HttpServer} on
 * 127.0.0.1 given {@code childOption(ChannelOption.ALLOCATOR, allocator)} echoes request bodies
 * that take many buffers; every connection's allocator is the percpu one, its size classes carved
 * blocks for the traffic, and once the server and its event loops are closed every block is back.
 */
class ReactorNettyRecipeTest {

    @Test
    void shouldServeConnectionsFromThePercpuAllocator() throws Exception {
        System.out.println("Reactor Netty recipe on Netty " + NettyOnClassPath.version());
        LoopResources loops = LoopResources.create("percpu-recipe", 1, 2, true);
        Set<ByteBufAllocator> connectionAllocators = ConcurrentHashMap.newKeySet();
        try (PercpuByteBufAllocator allocator = PercpuByteBufAllocator.builder().maxMemory("64m").build()) {
            PercpuTraffic traffic = PercpuTraffic.before(allocator);
            // snippet
            HttpServer http = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .childOption(ChannelOption.ALLOCATOR, allocator);
            // end
            DisposableServer server = http
                .runOn(loops)
                .route(routes -> routes.post("/echo", (request, response) -> {
                    request.withConnection(connection -> connectionAllocators.add(connection.channel().alloc()));
                    return response.send(request.receive().retain());
                }))
                .bindNow();
            try {
                HttpEcho.echoBodies(server.port());
            } finally {
                server.disposeNow();
                loops.disposeLater().block(Duration.ofSeconds(10));
            }
            assertEquals(Set.of(allocator), connectionAllocators, "the connections' allocator");
            assertTrue(traffic.blocksCarvedSince() > 0, "no block carved for the traffic");
            System.out.println(allocator.mode() + " mode; size classes used (bytes:blocks): " + traffic.classesUsedSince());
            assertEquals(0, allocator.pooledInUseBytes(), "bytes still in use after the server and its loops closed");
            assertEquals(0, allocator.largeBuffers(), "large buffers still alive after the server closed");
        }
    }

    @Test
    void shouldShowTheRecipeAsTestedInTheGuide() {
        assertEquals(GuideSnippets.inGuide("Using percpu in Reactor Netty"),
            GuideSnippets.inSource("src/test/java/dev/percpu/integrations/reactornetty/ReactorNettyRecipeTest.java"));
    }

}
