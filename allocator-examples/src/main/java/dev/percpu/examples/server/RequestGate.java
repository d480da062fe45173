package dev.percpu.examples.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One per connection, between the HTTP codec and the aggregator: the owner
 * of the connection's reads and of its timeouts.
 *
 * <p>Reads: the channel does not read by itself (auto-read off). This
 * handler asks for bytes ({@code ctx.read()}: one socket read, at most one
 * receive buffer) only while the request being received is incomplete or
 * {@link RequestHandler#wantsRequest()}, whoever asks it to read (the
 * request handler after a write, the aggregator while it assembles). The
 * codec decodes all that a read brought; parts of later requests wait in
 * {@code held} until a further request is wanted, so {@code held} never
 * holds more than one read's bytes. A request goes through whole once its
 * first part ({@link HttpRequest}) has, up to its {@link LastHttpContent}.
 *
 * <p>Timeouts, on the events of the {@link IdleStateHandler} in front of the
 * codec (which fires each kind again every period the channel stays idle):
 * <ul>
 *   <li>reader idle while a request's body is awaited (its head through,
 *       nothing held, so the server is reading) and no part of it came for
 *       the read timeout: 408 if nothing else is in flight (else no answer,
 *       which would come out of order), then close. The client stalled mid-body;
 *       it is closed between one and two read timeouts after its last byte.</li>
 *   <li>writer idle (no output progress) while a response is pending: close.
 *       The client stopped reading.</li>
 *   <li>all idle (no byte either way) with nothing in flight, nothing
 *       held and no request under way: close. An idle keep-alive connection, or
 *       a client stalled in the headers (the codec holds those bytes; this
 *       handler sees a request only once its headers are complete).</li>
 * </ul>
 */
final class RequestGate extends ChannelDuplexHandler {
    private final RequestHandler requests;
    private final ServerStats stats;
    private final long readTimeoutNanos;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** A request's head is through and its last part is not. */
    private boolean receiving;
    /** When the last part of the request being received went through. */
    private long lastPartNanos;
    private boolean delivering;
    private boolean closed;

    RequestGate(RequestHandler requests, ServerStats stats, int readTimeoutMs) {
        this.requests = requests;
        this.stats = stats;
        this.readTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(readTimeoutMs);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        demand(ctx);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        demand(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        held.add(msg);
        deliver(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
        demand(ctx);
    }

    /** Lets through what may go, then reads from the socket if a part is still wanted and none is held. */
    private void demand(ChannelHandlerContext ctx) {
        deliver(ctx);
        if (!closed && held.isEmpty() && (receiving || requests.wantsRequest())) {
            ctx.read();
        }
    }

    /**
     * Passes held parts on while they are wanted. Not re-entered: a response
     * written on the way (event-loop mode) asks for more, which the running
     * loop sees.
     */
    private void deliver(ChannelHandlerContext ctx) {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (!closed && !held.isEmpty() && (receiving || requests.wantsRequest())) {
                Object part = held.poll();
                if (part instanceof HttpRequest) {
                    receiving = true;
                }
                if (part instanceof LastHttpContent) {
                    receiving = false;
                }
                lastPartNanos = System.nanoTime();
                ctx.fireChannelRead(part);
            }
        } finally {
            delivering = false;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        switch (((IdleStateEvent) evt).state()) {
            case READER_IDLE:
                if (receiving && held.isEmpty() && System.nanoTime() - lastPartNanos >= readTimeoutNanos) {
                    stats.closedReadTimeout();
                    requests.logOnce(Level.INFO, "read timeout: no byte of the request body for "
                        + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos) + " ms; closing", null);
                    if (requests.inFlight() == 0) {
                        FullHttpResponse timedOut = Responses.text(ctx.alloc(), HttpResponseStatus.REQUEST_TIMEOUT,
                            "request timed out\n");
                        timedOut.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ctx.writeAndFlush(timedOut).addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ctx.close();
                    }
                }
                break;
            case WRITER_IDLE:
                if (requests.writesPending() > 0) {
                    stats.closedWriteTimeout();
                    requests.logOnce(Level.INFO, "write timeout: the client read nothing of a pending response;"
                        + " closing", null);
                    ctx.close();
                }
                break;
            case ALL_IDLE:
                if (!receiving && held.isEmpty() && requests.inFlight() == 0) {
                    stats.closedIdle();
                    RequestHandler.LOG.log(Level.DEBUG, () -> "connection " + ctx.channel().remoteAddress()
                        + ": idle (or stalled in the headers); closing");
                    ctx.close();
                }
                break;
            default:
                break;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    private void releaseHeld() {
        closed = true;
        for (Object part; (part = held.poll()) != null; ) {
            ReferenceCountUtil.release(part);
        }
    }
}
