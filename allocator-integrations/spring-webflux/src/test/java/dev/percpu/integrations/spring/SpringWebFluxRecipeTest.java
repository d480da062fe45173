package dev.percpu.integrations.spring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.integrations.GuideSnippets;
import dev.percpu.integrations.NettyOnClassPath;
import dev.percpu.integrations.PercpuTraffic;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * The Spring Boot WebFlux recipe (docs/api.md, "Using percpu in Spring Boot WebFlux"): an application
 * whose {@link NettyServerCustomizer} bean sets {@code childOption(ChannelOption.ALLOCATOR, allocator)},
 * started on 127.0.0.1 and an ephemeral port, echoes request bodies that take many buffers through a
 * controller; every response's buffer factory allocates from the percpu allocator bean and its size
 * classes carved blocks for the traffic; closing the application (which disposes Reactor Netty's event
 * loops) closes the allocator, whose memory is unmapped only once every block is back.
 */
class SpringWebFluxRecipeTest {
    private static final int[] BODY_SIZES = {1_000, 40_000, 300_000};

    @Test
    void shouldServeRequestsFromThePercpuAllocator() throws Exception {
        System.out.println("Spring Boot WebFlux recipe on Netty " + NettyOnClassPath.version());
        PercpuByteBufAllocator allocator;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(RecipeApplication.class)
                .properties("server.address=127.0.0.1", "server.port=0", "spring.main.banner-mode=off")
                .run()) {
            allocator = context.getBean(PercpuByteBufAllocator.class);
            PercpuTraffic traffic = PercpuTraffic.before(allocator);
            echoBodies(((WebServerApplicationContext) context).getWebServer().getPort());
            assertEquals(Set.of(allocator), context.getBean(EchoController.class).responseAllocators,
                "the responses' allocator");
            assertTrue(traffic.blocksCarvedSince() > 0, "no block carved for the traffic");
            System.out.println(allocator.mode() + " mode; size classes used (bytes:blocks): " + traffic.classesUsedSince());
        }
        assertTrue(allocator.isClosed(), "the allocator bean was not closed with the application");
        assertTrue(allocator.isUnmapped(), "blocks still in use after the application closed: its memory is still mapped");
    }

    @Test
    void shouldShowTheRecipeAsTestedInTheGuide() {
        assertEquals(GuideSnippets.inGuide("Using percpu in Spring Boot WebFlux"),
            GuideSnippets.inSource("src/test/java/dev/percpu/integrations/spring/SpringWebFluxRecipeTest.java"));
    }

    private static void echoBodies(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        Random random = new Random(26);
        for (int size : BODY_SIZES) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, response.statusCode());
            assertArrayEquals(body, response.body(), "echo of " + size + " bytes");
        }
    }

    /** The application: the recipe's allocator and customizer beans, and an echo controller. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class RecipeApplication {
        // snippet
        @Bean(destroyMethod = "close")
        PercpuByteBufAllocator percpuAllocator() {
            return PercpuByteBufAllocator.builder().maxMemory("256m").build();
        }

        @Bean
        NettyServerCustomizer percpuAllocatorCustomizer(PercpuByteBufAllocator percpuAllocator) {
            return server -> server.childOption(ChannelOption.ALLOCATOR, percpuAllocator);
        }
        // end

        @Bean
        EchoController echoController() {
            return new EchoController();
        }
    }

    /** Streams the request body back; notes the allocator behind each response's buffer factory. */
    @RestController
    static class EchoController {
        final Set<ByteBufAllocator> responseAllocators = ConcurrentHashMap.newKeySet();

        @PostMapping("/echo")
        Flux<DataBuffer> echo(@RequestBody Flux<DataBuffer> body, ServerHttpResponse response) {
            responseAllocators.add(((NettyDataBufferFactory) response.bufferFactory()).getByteBufAllocator());
            return body;
        }
    }
}
