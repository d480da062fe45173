package dev.percpu.examples.server;

import dev.percpu.bridge.RseqAvailability;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.examples.shared.NamedAllocator;
import dev.percpu.netty.PercpuByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP server on a loopback ephemeral port with the percpu allocator,
 * under the JDK's HTTP client: bodies byte for byte across the size classes
 * (and the largest class, 1 MiB), bad requests answered with 4xx, and after
 * {@link HttpServerExample#stop()} every block back in the allocator while
 * Netty's leak detector, at PARANOID (every buffer tracked), heard of no leak
 * through its leak listener.
 */
class HttpServerExampleTest {
    private static final int[] FIXED_SIZES = {0, 1024, 16 << 10, 256 << 10, 1 << 20};
    private static final int[] ECHO_SIZES = {1, 200, 4096, 40_000, 65_537, 300_000, 1 << 20};

    private final ConcurrentLinkedQueue<String> leaks = new ConcurrentLinkedQueue<>();
    private final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServerExample server;

    @BeforeEach
    void watchLeaks() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBufUtil.setLeakListener((resourceType, records) -> leaks.add(resourceType + records));
    }

    @AfterEach
    void restore() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        ByteBufUtil.setLeakListener(null);
        ResourceLeakDetector.setLevel(level);
    }

    @ParameterizedTest
    @CsvSource({"rseq, event-loop", "fallback, event-loop", "rseq, blocking", "fallback, blocking"})
    void shouldServeFixedAndEchoBodiesByteForByteAndGetEveryBlockBack(String percpuMode, String handlerMode)
            throws Exception {
        start(percpuMode, HandlerMode.parse(handlerMode), 16);
        assertEquals(percpuMode.toUpperCase(), ((PercpuByteBufAllocator) server.allocator().allocator()).mode().name());
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (int size : FIXED_SIZES) {
            checks.add(client.sendAsync(get("/fixed/" + size), HttpResponse.BodyHandlers.ofByteArray())
                .thenAccept(response -> {
                    assertEquals(200, response.statusCode());
                    assertArrayEquals(pattern(size), response.body(), "/fixed/" + size);
                }));
        }
        Random random = new Random(15);
        for (int size : ECHO_SIZES) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            checks.add(client.sendAsync(HttpRequest.newBuilder(uri("/echo")).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).thenAccept(response -> {
                    assertEquals(200, response.statusCode());
                    assertArrayEquals(body, response.body(), "echo of " + size + " bytes");
                }));
        }
        CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0])).join();
        HttpResponse<String> sixteen = client.send(get("/fixed/16k"), HttpResponse.BodyHandlers.ofString());
        assertEquals(16 << 10, sixteen.body().length());

        assertEverythingReturnedAndNoLeak(FIXED_SIZES.length + ECHO_SIZES.length + 1);
    }

    @Test
    void shouldAnswerBadRequestsWith4xxAndLeakNothing() throws Exception {
        start("auto", HandlerMode.EVENT_LOOP, 16);
        assertEquals(404, client.send(get("/nowhere"), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(400, client.send(get("/fixed/2m"), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(400, client.send(get("/fixed/lots"), HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<String> wrongMethod = client.send(HttpRequest.newBuilder(uri("/echo")).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
        assertEquals(405, client.send(HttpRequest.newBuilder(uri("/fixed/1k"))
            .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        // Raw sockets for what the JDK's client will not send.
        assertTrue(rawExchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
            .startsWith("HTTP/1.1 413"), "a body over 1 MiB is refused before it is read");
        assertTrue(rawExchange("NOT HTTP AT ALL\r\n\r\n").startsWith("HTTP/1.1 400"), "a malformed request line");
        assertEquals(200, client.send(get("/fixed/1k"), HttpResponse.BodyHandlers.ofString()).statusCode(),
            "the server still serves after bad requests");
        assertEverythingReturnedAndNoLeak(7);
    }

    @Test
    void shouldServeOnVirtualThreadsWhereTheJvmHasThem() throws Exception {
        ServerOptions options = options("auto", HandlerMode.VIRTUAL, 16);
        if (Runtime.version().feature() < 21) {
            UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                () -> HttpServerExample.start(options));
            assertTrue(refused.getMessage().contains("JDK 21"), refused.getMessage());
            return;
        }
        server = HttpServerExample.start(options);
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int size = FIXED_SIZES[i % FIXED_SIZES.length];
            checks.add(client.sendAsync(get("/fixed/" + size), HttpResponse.BodyHandlers.ofByteArray())
                .thenAccept(response -> assertArrayEquals(pattern(size), response.body())));
        }
        CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0])).join();
        assertEverythingReturnedAndNoLeak(64);
    }

    private void start(String percpuMode, HandlerMode mode, int workers) throws InterruptedException {
        if ("rseq".equals(percpuMode)) {
            RseqAvailability.requireRseq();
        }
        server = HttpServerExample.start(options(percpuMode, mode, workers));
    }

    private static ServerOptions options(String percpuMode, HandlerMode mode, int workers) {
        ServerOptions options = new ServerOptions();
        options.port = 0;
        options.percpuMode = percpuMode;
        options.mode = mode;
        options.workers = workers;
        options.ioThreads = 2;
        options.maxMemory = "256m";
        return options;
    }

    /** Stops the server; every block is back; the leak detector, given collections and new buffers to track, reports nothing. */
    private void assertEverythingReturnedAndNoLeak(long atLeastRequests) throws InterruptedException {
        assertTrue(server.requests() >= atLeastRequests, server.statsReport());
        server.stop();
        NamedAllocator allocator = server.allocator();
        assertEquals(0, allocator.inUseBytes(), "bytes still in use after stop\n" + server.statsReport());
        PercpuByteBufAllocator percpu = (PercpuByteBufAllocator) allocator.allocator();
        assertEquals(0, percpu.largeBuffers());
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            // The detector reports collected, unreleased buffers when it tracks the next one.
            percpu.directBuffer(64).release();
        }
        assertTrue(leaks.isEmpty(), "leaks: " + leaks);
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET().build();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static byte[] pattern(int size) {
        byte[] expected = new byte[size];
        for (int i = 0; i < size; i++) {
            expected[i] = Responses.patternByte(i);
        }
        return expected;
    }

    /** Sends raw bytes and reads until the server closes the connection (or 2 s pass). */
    private String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            try {
                for (int n; (n = in.read(chunk)) > 0; ) {
                    response.write(chunk, 0, n);
                }
            } catch (java.net.SocketTimeoutException kept) {
                // The server kept the connection open: what arrived is the response.
            }
            return response.toString(StandardCharsets.US_ASCII);
        }
    }
}
