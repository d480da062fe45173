package dev.percpu.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.examples.shared.NamedAllocator;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestHandler} alone in an {@link EmbeddedChannel}: a response that
 * fails to build is a 500 whose body shows nothing of the exception, which is
 * logged once however often the connection fails; the blocking pool's full
 * queue gets a request answered 503 with {@code Retry-After}, the connection
 * kept, nothing logged.
 */
class RequestHandlerTest {
    private static final String SECRET = "cap reached at 0x7f3a (internal detail)";

    private final ConcurrentLinkedQueue<LogRecord> logged = new ConcurrentLinkedQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final NamedAllocator allocator = NamedAllocator.create("adaptive", "auto", "1g");

    @BeforeEach
    void captureLog() {
        Logger.getLogger(RequestHandler.class.getPackageName()).addHandler(capture);
    }

    @AfterEach
    void release() {
        Logger.getLogger(RequestHandler.class.getPackageName()).removeHandler(capture);
        allocator.close();
    }

    @Test
    void shouldAnswer500WithoutTheExceptionTextAndLogTheFailureOncePerConnection() {
        ServerStats stats = new ServerStats(allocator, HandlerMode.EVENT_LOOP);
        EmbeddedChannel channel = new EmbeddedChannel(new RequestHandler(null, stats, 16));
        // Direct buffers (the /fixed bodies) fail as percpu's do at its memory cap; heap ones (text) work.
        channel.config().setAllocator(new AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                throw new IllegalStateException(SECRET);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        });
        for (int i = 0; i < 3; i++) {
            channel.writeInbound(get("/fixed/16k"));
            FullHttpResponse response = channel.readOutbound();
            assertEquals(500, response.status().code());
            assertEquals("internal error\n", response.content().toString(StandardCharsets.UTF_8));
            response.release();
        }
        assertEquals(3, stats.internalErrorCount());
        assertEquals(1, logged.size(), "logged once for the connection");
        LogRecord record = logged.peek();
        assertEquals(Level.WARNING, record.getLevel());
        assertTrue(record.getThrown().getMessage().contains(SECRET), "the log has the exception");
        assertTrue(channel.isActive(), "a 500 keeps the connection");
        assertFalse(channel.finish());
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenTheBlockingQueueIsFull() throws InterruptedException {
        ExecutorService executor = HandlerMode.BLOCKING.newExecutor(1, 1);
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try {
            executor.execute(() -> {
                running.countDown();
                await(hold);
            });
            running.await();
            executor.execute(() -> await(hold));
            ServerStats stats = new ServerStats(allocator, HandlerMode.BLOCKING);
            EmbeddedChannel channel = new EmbeddedChannel(new RequestHandler(executor, stats, 16));
            channel.writeInbound(get("/fixed/1k"));
            FullHttpResponse busy = channel.readOutbound();
            assertEquals(503, busy.status().code());
            assertEquals("1", busy.headers().get("Retry-After"));
            busy.release();
            assertEquals(1, stats.rejectedBusyCount());
            assertTrue(channel.isActive(), "503 for a full queue keeps the connection");
            assertTrue(logged.isEmpty(), "a full queue is load, not a failure of the connection");

            assertNull(channel.readOutbound());
            assertFalse(channel.finish());
        } finally {
            hold.countDown();
            executor.shutdown();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static DefaultFullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
