package dev.percpu.examples.server;

import dev.percpu.examples.shared.NamedAllocator;
import dev.percpu.stats.StatsPublisher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Netty HTTP/1.1 server (NIO transport) whose buffers come from the
 * allocator named on the command line, and whose responses are built on the
 * event loop, on 256 blocking worker threads or on virtual threads
 * ({@link HandlerMode}); endpoints in {@link Responses}.
 *
 * <pre>
 *   java -jar percpu-examples.jar server --allocator percpu --port 8080 --mode event-loop
 *   curl -s localhost:8080/fixed/16k | wc -c;  curl -s --data-binary @file localhost:8080/echo
 * </pre>
 *
 * <p>Each connection's pipeline: {@link IdleStateHandler} (the timeouts'
 * clock), {@link HttpServerCodec}, {@link RequestGate} (reads only while a
 * request is wanted; acts on the timeouts), {@link HttpObjectAggregator}
 * (bodies up to {@value Responses#MAX_BODY} bytes), {@link RequestHandler}
 * (answers, counts what is in flight). Limits and timeouts are
 * {@link ServerOptions}; per connection the server holds at most
 * {@code maxPipelined} requests or their responses.
 *
 * <p>Shutdown ({@link #stop()}, Ctrl-C or SIGTERM): the listening channel and
 * every connection are closed, the workers finish what they hold, the event
 * loops stop; then every buffer is back in the allocator.
 * {@link #close()} stops and then closes the allocator.
 */
public final class HttpServerExample implements AutoCloseable {
    private final NamedAllocator allocator;
    private final HandlerMode mode;
    private final ServerStats stats;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup io;
    private final ExecutorService workers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel listening;
    private boolean stopped;

    private HttpServerExample(ServerOptions options) throws InterruptedException {
        options.validate();
        this.mode = options.mode;
        this.allocator = NamedAllocator.create(options.allocator, options.percpuMode, options.maxMemory);
        this.stats = new ServerStats(allocator, mode);
        this.workers = mode.newExecutor(options.workers, options.maxQueued);
        this.acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.io = new MultiThreadIoEventLoopGroup(options.ioThreads, NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap().group(acceptor, io).channel(NioServerSocketChannel.class)
            .option(ChannelOption.ALLOCATOR, allocator.allocator())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.ALLOCATOR, allocator.allocator())
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(options.writeBufferLow, options.writeBufferHigh))
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    connections.add(channel);
                    RequestHandler requests = new RequestHandler(workers, stats, options.maxPipelined);
                    channel.pipeline().addLast(
                        new IdleStateHandler(true, options.readTimeoutMs, options.writeTimeoutMs, options.idleTimeoutMs,
                            TimeUnit.MILLISECONDS),
                        new HttpServerCodec(),
                        new RequestGate(requests, stats, options.readTimeoutMs),
                        new HttpObjectAggregator(Responses.MAX_BODY),
                        requests);
                }
            });
        try {
            this.listening = bootstrap.bind(new InetSocketAddress(options.host, options.port)).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            shutDownThreads();
            allocator.close();
            throw e;
        }
    }

    /**
     * Starts a server.
     *
     * @throws IllegalArgumentException for an unknown allocator or mode, or a bad limit ({@link ServerOptions})
     * @throws UnsupportedOperationException for virtual threads on JDK 17-20
     */
    public static HttpServerExample start(ServerOptions options) throws InterruptedException {
        return new HttpServerExample(options);
    }

    /** The port it listens on (the one chosen by the system for port 0). */
    public int port() {
        return ((InetSocketAddress) listening.localAddress()).getPort();
    }

    /** The allocator the buffers come from. */
    public NamedAllocator allocator() {
        return allocator;
    }

    /** Requests answered so far. */
    public long requests() {
        return stats.requests();
    }

    /** The figures behind {@code /stats}. */
    ServerStats stats() {
        return stats;
    }

    /** The {@code /stats} text. */
    public String statsReport() {
        return stats.report();
    }

    /** Closes the listening channel and every connection, drains the workers, stops the event loops; idempotent. */
    public synchronized void stop() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        listening.close().sync();
        shutDownThreads();
    }

    private void shutDownThreads() throws InterruptedException {
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        // Connections first: their close releases what they hold; a response a worker still hands back then
        // fails to write and is released by Netty (or by the worker once the event loops refuse tasks).
        connections.close().await();
        if (workers != null) {
            workers.shutdown();
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        acceptor.terminationFuture().sync();
    }

    /** {@link #stop()}, then closes the allocator; an interrupt while stopping is kept as the thread's status. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            allocator.close();
        }
    }

    public static void main(String[] args) throws Exception {
        ServerOptions options;
        try {
            options = ServerOptions.parse(args);
            options.validate();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(ServerOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(ServerOptions.USAGE);
            return;
        }
        if (!options.mode.available()) {
            System.err.println("handler mode virtual is unavailable on JDK " + Runtime.version().feature()
                + ": virtual threads need JDK 21+ (use --mode event-loop or blocking, or a newer JVM)");
            System.exit(2);
        }
        HttpServerExample server = start(options);
        StatsPublisher publisher = options.publishStats ? server.allocator().publish() : null;
        CountDownLatch stoppedLatch = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (publisher != null) {
                    publisher.close();
                }
                server.stop();
                NamedAllocator allocator = server.allocator();
                System.out.println("stopped after " + server.requests() + " requests; " + (allocator.tracksInUse()
                    ? "allocator in use " + allocator.inUseBytes() + " bytes (every buffer back: "
                        + (allocator.inUseBytes() == 0) + ")"
                    : "allocator holds " + allocator.heldBytes() + " bytes (it does not count buffers in use)"));
                server.allocator().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stoppedLatch.countDown();
            }
        }, "http-server-shutdown"));
        System.out.println("percpu HTTP server on http://" + options.host + ":" + server.port()
            + "  allocator " + server.allocator().describe() + "  handler " + options.mode.label()
            + (options.mode == HandlerMode.BLOCKING ? " (" + options.workers + " workers)" : "")
            + "  io threads " + options.ioThreads + "  java " + Runtime.version());
        System.out.println("limits: " + options.maxPipelined + " requests in flight per connection"
            + (options.mode == HandlerMode.BLOCKING ? ", " + options.maxQueued + " waiting for a worker" : "")
            + ", write buffer " + options.writeBufferLow + ".." + options.writeBufferHigh + " B; timeouts: read "
            + options.readTimeoutMs + " ms, write " + options.writeTimeoutMs + " ms, idle " + options.idleTimeoutMs + " ms");
        System.out.println("endpoints: GET /fixed/{1k,16k,256k}  POST /echo (up to 1 MiB)  GET /stats; Ctrl-C stops");
        stoppedLatch.await();
    }
}
