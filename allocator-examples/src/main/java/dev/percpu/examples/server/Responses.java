package dev.percpu.examples.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The server's endpoints, each building its response body with the
 * channel's allocator:
 * <ul>
 *   <li>{@code GET /fixed/<size>}: {@code size} bytes ({@code 1k}, {@code 16k},
 *       {@code 256k}, or any count up to {@value #MAX_BODY} with an optional
 *       {@code k} suffix) of the pattern {@link #patternByte(int)};</li>
 *   <li>{@code POST /echo}: the request body (up to {@value #MAX_BODY} bytes),
 *       copied in 8 KiB steps into a buffer that starts at 256 bytes, so it
 *       grows across the size classes as it fills;</li>
 *   <li>{@code GET /stats}: {@link ServerStats} as text.</li>
 * </ul>
 * Anything else: 404 (unknown path), 405 (wrong method, with {@code Allow}),
 * 400 (bad size); bodies over {@value #MAX_BODY} bytes get 413 from the
 * aggregator before they get here.
 */
final class Responses {
    /** Largest fixed or echoed body, 1 MiB. */
    static final int MAX_BODY = 1 << 20;
    private static final int ECHO_INITIAL_CAPACITY = 256;
    private static final int ECHO_STEP = 8 << 10;
    private static final byte[] PATTERN = new byte[MAX_BODY];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = patternByte(i);
        }
    }

    private Responses() {
    }

    /** Byte {@code i} of every {@code /fixed} body. */
    static byte patternByte(int i) {
        return (byte) (i * 31 + (i >>> 9));
    }

    /** The response to {@code request} (which the caller still owns and releases). */
    static FullHttpResponse respond(ByteBufAllocator alloc, FullHttpRequest request, ServerStats stats) {
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if (path.startsWith("/fixed/")) {
            if (!HttpMethod.GET.equals(method)) {
                return notAllowed(alloc, "GET");
            }
            int size = parseSize(path.substring("/fixed/".length()));
            if (size < 0) {
                return text(alloc, HttpResponseStatus.BAD_REQUEST, "size must be 0.." + MAX_BODY + " bytes (e.g. 1k, 16k, 256k)\n");
            }
            ByteBuf body = alloc.directBuffer(size);
            body.writeBytes(PATTERN, 0, size);
            return response(HttpResponseStatus.OK, body, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        }
        if (path.equals("/echo")) {
            if (!HttpMethod.POST.equals(method)) {
                return notAllowed(alloc, "POST");
            }
            ByteBuf content = request.content();
            ByteBuf body = alloc.directBuffer(ECHO_INITIAL_CAPACITY, MAX_BODY);
            for (int from = content.readerIndex(); from < content.writerIndex(); from += ECHO_STEP) {
                body.writeBytes(content, from, Math.min(ECHO_STEP, content.writerIndex() - from));
            }
            return response(HttpResponseStatus.OK, body, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        }
        if (path.equals("/stats")) {
            if (!HttpMethod.GET.equals(method)) {
                return notAllowed(alloc, "GET");
            }
            return text(alloc, HttpResponseStatus.OK, stats.report());
        }
        return text(alloc, HttpResponseStatus.NOT_FOUND, "no such path: " + path + " (try /fixed/16k, /echo, /stats)\n");
    }

    /** A plain-text response with {@code status}. */
    static FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String message) {
        return response(status, ByteBufUtil.writeUtf8(alloc, message), HttpHeaderValues.TEXT_PLAIN);
    }

    private static FullHttpResponse notAllowed(ByteBufAllocator alloc, String allowed) {
        FullHttpResponse response = text(alloc, HttpResponseStatus.METHOD_NOT_ALLOWED, "use " + allowed + "\n");
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        return response;
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, CharSequence contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    /** {@code 1234} or {@code 16k}; -1 when malformed or above {@link #MAX_BODY}. */
    private static int parseSize(String text) {
        boolean kib = text.endsWith("k") || text.endsWith("K");
        String digits = kib ? text.substring(0, text.length() - 1) : text;
        if (digits.isEmpty() || digits.length() > 7 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        long size = Long.parseLong(digits) << (kib ? 10 : 0);
        return size <= MAX_BODY ? (int) size : -1;
    }
}
