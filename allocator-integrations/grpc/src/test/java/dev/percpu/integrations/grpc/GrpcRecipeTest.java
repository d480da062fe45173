package dev.percpu.integrations.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.integrations.GuideSnippets;
import dev.percpu.integrations.NettyOnClassPath;
import dev.percpu.integrations.PercpuTraffic;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gRPC-java recipe (docs/api.md, "Using percpu in gRPC"): a server built by the unshaded
 * grpc-netty's {@link NettyServerBuilder} with {@code withChildOption(ChannelOption.ALLOCATOR, allocator)}
 * on 127.0.0.1 answers unary calls whose messages take many buffers; the allocator, used by
 * nothing else, carved blocks for them (gRPC sets its own allocator first and applies the
 * builder's child options after it), and once the server and its event loops are closed every
 * block is back. The service is declared by hand (a byte-array marshaller), so no code generator runs.
 */
class GrpcRecipeTest {
    private static final int[] MESSAGE_SIZES = {1_000, 40_000, 300_000};
    private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("percpu.recipe.Echo", "Echo"))
        .setRequestMarshaller(new BytesMarshaller())
        .setResponseMarshaller(new BytesMarshaller())
        .build();

    @Test
    void shouldServeCallsFromThePercpuAllocator() throws Exception {
        System.out.println("gRPC recipe on Netty " + NettyOnClassPath.version());
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try (PercpuByteBufAllocator allocator = PercpuByteBufAllocator.builder().maxMemory("64m").build()) {
            PercpuTraffic traffic = PercpuTraffic.before(allocator);
            // snippet
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .withChildOption(ChannelOption.ALLOCATOR, allocator);
            // end
            Server server = builder
                .channelType(NioServerSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .addService(ServerServiceDefinition.builder("percpu.recipe.Echo")
                    .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, reply) -> {
                        reply.onNext(request);
                        reply.onCompleted();
                    }))
                    .build())
                .build()
                .start();
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
            try {
                Random random = new Random(26);
                for (int size : MESSAGE_SIZES) {
                    byte[] message = new byte[size];
                    random.nextBytes(message);
                    byte[] echoed = ClientCalls.blockingUnaryCall(channel, ECHO,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), message);
                    assertArrayEquals(message, echoed, "echo of " + size + " bytes");
                }
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
            assertTrue(traffic.blocksCarvedSince() > 0, "no block carved for the calls");
            System.out.println(allocator.mode() + " mode; size classes used (bytes:blocks): " + traffic.classesUsedSince());
            assertEquals(0, allocator.pooledInUseBytes(), "bytes still in use after the server and its loops closed");
            assertEquals(0, allocator.largeBuffers(), "large buffers still alive after the server closed");
        }
    }

    @Test
    void shouldShowTheRecipeAsTestedInTheGuide() {
        assertEquals(GuideSnippets.inGuide("Using percpu in gRPC"),
            GuideSnippets.inSource("src/test/java/dev/percpu/integrations/grpc/GrpcRecipeTest.java"));
    }

    /** Messages as they are: the bytes of the call. */
    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
