package dev.percpu.examples.server;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * One per connection: answers aggregated requests in order, on the event
 * loop or on the executor of the {@link HandlerMode}.
 *
 * <p>Ownership: the request arrives owned by this handler and is released by
 * whoever builds its response (the event loop or a worker), right after. The
 * response is owned by Netty from {@code writeAndFlush} (released when
 * written or when the write fails). A response a worker built after the event
 * loop stopped taking tasks is released by the worker.
 *
 * <p>Order: with an executor, one request per connection is in flight; the
 * others wait in {@code waiting} (touched by the event loop only) so pipelined
 * requests are answered in order.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {
    private final ExecutorService executor;
    private final ServerStats stats;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean inFlight;

    RequestHandler(ExecutorService executor, ServerStats stats) {
        this.executor = executor;
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        if (request.decoderResult().isFailure()) {
            request.release();
            FullHttpResponse response = Responses.text(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                "malformed request: " + request.decoderResult().cause() + "\n");
            write(ctx, response, false);
            return;
        }
        if (executor == null) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            write(ctx, build(ctx, request), keepAlive);
        } else if (inFlight) {
            waiting.add(request);
        } else {
            dispatch(ctx, request);
        }
    }

    private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
        inFlight = true;
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        try {
            executor.execute(() -> {
                FullHttpResponse response = build(ctx, request);
                try {
                    ctx.executor().execute(() -> {
                        write(ctx, response, keepAlive);
                        inFlight = false;
                        FullHttpRequest next = waiting.poll();
                        if (next != null) {
                            dispatch(ctx, next);
                        }
                    });
                } catch (RejectedExecutionException stopped) {
                    response.release();
                }
            });
        } catch (RejectedExecutionException stopped) {
            request.release();
            inFlight = false;
            FullHttpResponse response = Responses.text(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                "shutting down\n");
            write(ctx, response, false);
        }
    }

    /** Builds the response and releases the request. */
    private FullHttpResponse build(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            return Responses.respond(ctx.alloc(), request, stats);
        } catch (RuntimeException e) {
            // On the heap: the allocator may be what failed (its memory cap reached).
            return Responses.text(UnpooledByteBufAllocator.DEFAULT, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "failed: " + e + "\n");
        } finally {
            request.release();
        }
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        stats.countRequest();
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (FullHttpRequest request; (request = waiting.poll()) != null; ) {
            request.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
