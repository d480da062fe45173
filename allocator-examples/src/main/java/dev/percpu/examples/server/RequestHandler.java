package dev.percpu.examples.server;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * One per connection, last in its pipeline: answers aggregated requests in
 * order, on the event loop or on the executor of the {@link HandlerMode},
 * and counts the requests in flight.
 *
 * <p>In flight: a request from the moment the aggregator hands it over until
 * its response is fully written to the socket (its write future completes)
 * or fails. {@link RequestGate} lets the first part of a further request
 * through only while {@link #wantsRequest()}: fewer than
 * {@code maxPipelined} in flight and the channel writable (its unwritten
 * bytes have not passed the high water mark, or have fallen to the low one
 * since). So the one being received counts too, and at most
 * {@code maxPipelined} requests or their responses are held. Each completed
 * write and each return to writability asks the gate for more
 * ({@code ctx.read()}).
 *
 * <p>Ownership: the request arrives owned by this handler and is released by
 * whoever builds its response (the event loop or a worker), right after. The
 * response is owned by Netty from {@code writeAndFlush} (released when
 * written or when the write fails). A response a worker built after the event
 * loop stopped taking tasks is released by the worker.
 *
 * <p>Order: with an executor, one request per connection is on it; the
 * others wait in {@code waiting} (touched by the event loop only) so pipelined
 * requests are answered in order, and they wait while the channel is not
 * writable. An executor that refuses a task because its
 * queue is full gets that request answered 503 with {@code Retry-After}.
 *
 * <p>Failures: the first of a connection (an exception reaching the end of
 * the pipeline, a response that failed to build or to be written, a timeout
 * of the gate's) is logged through {@link System.Logger}; later ones of the
 * same connection are not, so one client cannot flood the log. Bodies of 500
 * responses say only "internal error"; the exception goes to the log.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {
    /** The server's logger, {@code dev.percpu.examples.server}. */
    static final System.Logger LOG = System.getLogger(RequestHandler.class.getPackageName());

    private final ExecutorService executor;
    private final ServerStats stats;
    private final int maxPipelined;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private final ChannelFutureListener writtenKeepOpen = future -> written(future, true);
    private final ChannelFutureListener writtenThenClose = future -> written(future, false);
    private ChannelHandlerContext ctx;
    /** A request of this connection is on the executor. */
    private boolean dispatched;
    private int inFlight;
    private int writesPending;
    private boolean failureLogged;

    RequestHandler(ExecutorService executor, ServerStats stats, int maxPipelined) {
        this.executor = executor;
        this.stats = stats;
        this.maxPipelined = maxPipelined;
    }

    /** True while a further request may be received: fewer than the limit in flight, the channel writable. */
    boolean wantsRequest() {
        return inFlight < maxPipelined && ctx.channel().isWritable();
    }

    /** Requests received and not yet answered (response not fully written). */
    int inFlight() {
        return inFlight;
    }

    /** Responses handed to Netty and not yet fully written. */
    int writesPending() {
        return writesPending;
    }

    /** Logs the connection's first failure ({@code cause} may be null); later ones are dropped. */
    void logOnce(Level level, String message, Throwable cause) {
        if (failureLogged) {
            return;
        }
        failureLogged = true;
        if (LOG.isLoggable(level)) {
            String text = "connection " + ctx.channel().remoteAddress() + ": " + message;
            if (cause == null) {
                LOG.log(level, text);
            } else {
                LOG.log(level, text, cause);
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        stats.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        inFlight++;
        stats.inFlight(inFlight);
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            request.release();
            logOnce(Level.INFO, "malformed request (" + cause + "); answered and closing", null);
            boolean tooLong = cause instanceof TooLongFrameException;
            write(Responses.text(ctx.alloc(), tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST, tooLong ? "request line or headers too long\n" : "malformed request\n"),
                false);
            return;
        }
        if (executor == null) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            write(build(request), keepAlive);
        } else {
            waiting.add(request);
            dispatchWaiting();
        }
    }

    /**
     * Hands waiting requests to the executor, one at a time per connection
     * (each that is refused is answered), and only while the channel is
     * writable: a response is not built while the previous ones wait for the
     * client to read.
     */
    private void dispatchWaiting() {
        while (!dispatched && !waiting.isEmpty() && ctx.channel().isWritable()) {
            dispatch(waiting.poll());
        }
    }

    private void dispatch(FullHttpRequest request) {
        dispatched = true;
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            executor.execute(() -> {
                FullHttpResponse response = build(request);
                try {
                    ctx.executor().execute(() -> {
                        dispatched = false;
                        write(response, keepAlive);
                        dispatchWaiting();
                    });
                } catch (RejectedExecutionException stopped) {
                    response.release();
                }
            });
        } catch (RejectedExecutionException rejected) {
            dispatched = false;
            request.release();
            if (executor.isShutdown()) {
                write(Responses.text(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n"), false);
            } else {
                stats.rejectedBusy();
                FullHttpResponse busy = Responses.text(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "busy, retry later\n");
                busy.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
                write(busy, keepAlive);
            }
        }
    }

    /** Builds the response and releases the request; a failure is answered 500, logged once. */
    private FullHttpResponse build(FullHttpRequest request) {
        try {
            return Responses.respond(ctx.alloc(), request, stats);
        } catch (RuntimeException e) {
            stats.internalError();
            String message = "failed to answer " + request.method() + " " + request.uri() + "; answered 500";
            if (ctx.executor().inEventLoop()) {
                logOnce(Level.WARNING, message, e);
            } else {
                try {
                    ctx.executor().execute(() -> logOnce(Level.WARNING, message, e));
                } catch (RejectedExecutionException stopped) {
                    LOG.log(Level.WARNING, message, e);
                }
            }
            // On the heap: the allocator may be what failed (its memory cap reached).
            return Responses.text(UnpooledByteBufAllocator.DEFAULT, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "internal error\n");
        } finally {
            request.release();
        }
    }

    private void write(FullHttpResponse response, boolean keepAlive) {
        stats.countRequest();
        writesPending++;
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener(keepAlive ? writtenKeepOpen : writtenThenClose);
    }

    /** A response left Netty (written or failed): one fewer in flight; close, or ask for the next request. */
    private void written(ChannelFuture future, boolean keepOpen) {
        writesPending--;
        inFlight--;
        if (!future.isSuccess()) {
            logOnce(Level.INFO, "response not written (" + future.cause() + "); closing", null);
            ctx.close();
        } else if (!keepOpen) {
            ctx.close();
        } else if (wantsRequest()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (executor != null) {
            dispatchWaiting();
        }
        if (wantsRequest()) {
            ctx.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stats.connectionClosed();
        for (FullHttpRequest request; (request = waiting.poll()) != null; ) {
            request.release();
        }
        ctx.fireChannelInactive();
    }

    /**
     * Logs the connection's first failure and closes it. A client's doing (an
     * I/O error such as a reset, a connection closed mid-request, bytes the
     * codec refuses) is logged at INFO without a stack trace; anything else at
     * WARNING with it.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException
                || cause instanceof DecoderException) {
            logOnce(Level.INFO, "closing after " + cause, null);
        } else {
            logOnce(Level.WARNING, "closing after an unexpected failure", cause);
        }
        ctx.close();
    }
}
