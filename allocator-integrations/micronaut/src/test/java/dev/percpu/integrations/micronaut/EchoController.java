package dev.percpu.integrations.micronaut;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.buffer.ByteBufAllocator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Answers a request with its body; notes the allocator of each request's connection. */
@Controller("/echo")
final class EchoController {
    final Set<ByteBufAllocator> connectionAllocators = ConcurrentHashMap.newKeySet();

    @Post(consumes = MediaType.APPLICATION_OCTET_STREAM, produces = MediaType.APPLICATION_OCTET_STREAM)
    byte[] echo(@Body byte[] body, HttpRequest<?> request) {
        connectionAllocators.add(((NettyHttpRequest<?>) request).getChannelHandlerContext().alloc());
        return body;
    }
}
