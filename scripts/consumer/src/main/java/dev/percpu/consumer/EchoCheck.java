package dev.percpu.consumer;

import dev.percpu.netty.PercpuByteBufAllocator;
import dev.percpu.runtime.PercpuRuntime;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Netty echo server and client on 127.0.0.1, both with
 * {@link PercpuByteBufAllocator#DEFAULT}: the client sends {@value #MESSAGES}
 * messages of {@value #MESSAGE_BYTES} bytes, the server echoes them, the
 * client checks every byte it gets back. Prints one {@code OK} line (with the
 * runtime's facts and how many buffers the server read came from percpu) and
 * exits 0, or {@code FAIL} lines and exits 1.
 */
public final class EchoCheck {
    private static final int MESSAGES = 1000;
    private static final int MESSAGE_BYTES = 512;
    private static final long TOTAL = (long) MESSAGES * MESSAGE_BYTES;

    private EchoCheck() {
    }

    public static void main(String[] args) throws Exception {
        String jvm = "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")";
        if (!PercpuRuntime.isAvailable()) {
            System.out.println("FAIL percpu-consumer: percpu is not available on " + jvm + ": "
                + PercpuRuntime.unavailabilityCause());
            System.exit(1);
        }
        PercpuByteBufAllocator allocator = PercpuByteBufAllocator.DEFAULT;
        AtomicLong serverReads = new AtomicLong();
        AtomicLong serverReadsFromPercpu = new AtomicLong();
        AtomicLong echoed = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                serverReads.incrementAndGet();
                                if (((ByteBuf) msg).alloc() == allocator) {
                                    serverReadsFromPercpu.incrementAndGet();
                                }
                                ctx.write(msg);
                            }

                            @Override
                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                ctx.flush();
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, allocator)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf in = (ByteBuf) msg;
                                try {
                                    while (in.isReadable()) {
                                        long position = echoed.getAndIncrement();
                                        if (in.readByte() != expectedByte(position)) {
                                            mismatches.incrementAndGet();
                                        }
                                    }
                                } finally {
                                    in.release();
                                }
                                if (echoed.get() >= TOTAL) {
                                    done.countDown();
                                }
                            }
                        });
                    }
                }).connect(server.localAddress()).sync().channel();
            for (int m = 0; m < MESSAGES; m++) {
                ByteBuf out = client.alloc().directBuffer(MESSAGE_BYTES);
                for (int i = 0; i < MESSAGE_BYTES; i++) {
                    out.writeByte(expectedByte((long) m * MESSAGE_BYTES + i));
                }
                client.write(out);
            }
            client.flush();
            boolean finished = done.await(30, TimeUnit.SECONDS);
            client.close().sync();
            server.close().sync();
            report(jvm, allocator, finished, echoed.get(), mismatches.get(), serverReads.get(),
                serverReadsFromPercpu.get());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static byte expectedByte(long position) {
        return (byte) (position * 31 + (position >>> 9));
    }

    private static void report(String jvm, PercpuByteBufAllocator allocator, boolean finished, long echoed,
                               long mismatches, long serverReads, long fromPercpu) {
        boolean ok = true;
        if (!finished || echoed != TOTAL) {
            System.out.println("FAIL percpu-consumer: echoed " + echoed + " of " + TOTAL + " bytes");
            ok = false;
        }
        if (mismatches != 0) {
            System.out.println("FAIL percpu-consumer: " + mismatches + " echoed bytes differ from those sent");
            ok = false;
        }
        if (serverReads == 0 || fromPercpu != serverReads) {
            System.out.println("FAIL percpu-consumer: " + fromPercpu + " of the " + serverReads
                + " buffers the server read came from PercpuByteBufAllocator");
            ok = false;
        }
        if (allocator.pooledCommittedBytes() == 0) {
            System.out.println("FAIL percpu-consumer: PercpuByteBufAllocator.DEFAULT never handed out a block");
            ok = false;
        }
        if (!ok) {
            System.exit(1);
        }
        System.out.println("OK percpu-consumer: echoed " + TOTAL + " bytes in " + MESSAGES + " messages over 127.0.0.1; "
            + fromPercpu + " of " + serverReads + " server reads were PercpuByteBufAllocator buffers ("
            + allocator.pooledCommittedBytes() + " B of size-class blocks used); mode " + allocator.mode()
            + ", bridge " + PercpuRuntime.bridge() + ", registration " + PercpuRuntime.registration()
            + ", library " + PercpuRuntime.library() + "; " + jvm);
    }
}
