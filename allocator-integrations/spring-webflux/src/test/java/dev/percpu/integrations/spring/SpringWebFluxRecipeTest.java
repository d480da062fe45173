package dev.percpu.integrations.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.integrations.GuideSnippets;
import dev.percpu.integrations.HttpEcho;
import dev.percpu.integrations.NettyOnClassPath;
import dev.percpu.integrations.PercpuTraffic;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
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

    @Test
    void shouldServeRequestsFromThePercpuAllocator() throws Exception {
        System.out.println("Spring Boot WebFlux recipe on Netty " + NettyOnClassPath.version());
        PercpuByteBufAllocator allocator;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(RecipeApplication.class)
                .properties("server.address=127.0.0.1", "server.port=0", "spring.main.banner-mode=off")
                .run()) {
            allocator = context.getBean(PercpuByteBufAllocator.class);
            PercpuTraffic traffic = PercpuTraffic.before(allocator);
            HttpEcho.echoBodies(((WebServerApplicationContext) context).getWebServer().getPort());
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
