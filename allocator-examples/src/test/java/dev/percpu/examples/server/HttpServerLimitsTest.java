package dev.percpu.examples.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server's limits and timeouts against misbehaving clients, over plain
 * loopback sockets, with short timeouts set through {@link ServerOptions}:
 * clients that pipeline 100 x {@code GET /fixed/1024k} and read nothing,
 * clients stalled in the headers and in the body, and meanwhile one client
 * that behaves and must keep getting correct answers. The allocator's bytes
 * in use, sampled throughout, stay within the documented bound
 * (max-pipelined x 1 MiB, the largest response, x connections); the stalled
 * and non-reading connections are closed by the timeout meant for them, each
 * logged once; pipelined requests are answered in order with no more in flight
 * than the limit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpServerLimitsTest {
    private static final int MAX_PIPELINED = 4;
    private static final int LARGEST_RESPONSE = Responses.MAX_BODY;
    private static final int PIPELINERS = 3;
    private static final int STALLED_IN_HEADERS = 2;
    private static final int STALLED_IN_BODY = 2;
    private static final String LOGGER = "dev.percpu.examples.server";

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
    private final List<Socket> sockets = new ArrayList<>();
    private HttpServerExample server;

    @BeforeEach
    void captureLog() {
        Logger.getLogger(LOGGER).addHandler(capture);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
        Logger.getLogger(LOGGER).removeHandler(capture);
    }

    @ParameterizedTest
    @ValueSource(strings = {"event-loop", "blocking"})
    void shouldHoldMemoryWithinTheBoundCloseStalledConnectionsAndKeepServingOthers(String mode) throws Exception {
        ServerOptions options = options(HandlerMode.parse(mode));
        options.readTimeoutMs = 500;
        options.idleTimeoutMs = 1000;
        options.writeTimeoutMs = 1500;
        server = HttpServerExample.start(options);
        ServerStats stats = server.stats();
        int connections = PIPELINERS + STALLED_IN_HEADERS + STALLED_IN_BODY + 1;
        long bound = (long) MAX_PIPELINED * LARGEST_RESPONSE * connections;
        AtomicLong peakInUse = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peakInUse.accumulateAndGet(server.allocator().inUseBytes(), Math::max);
                LockSupport.parkNanos(200_000);
            }
        }, "in-use-sampler");
        sampler.setDaemon(true);
        sampler.start();

        StringBuilder hundredGets = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            hundredGets.append("GET /fixed/1024k HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        List<Socket> pipeliners = new ArrayList<>();
        for (int i = 0; i < PIPELINERS; i++) {
            Socket socket = connect(8 << 10);
            send(socket, hundredGets.toString().getBytes(StandardCharsets.US_ASCII));
            pipeliners.add(socket);
        }
        List<Socket> inHeaders = new ArrayList<>();
        for (int i = 0; i < STALLED_IN_HEADERS; i++) {
            Socket socket = connect(0);
            send(socket, "GET /fixed/1k HTTP/1.1\r\nHost: x\r\nX-Never-Ends: ".getBytes(StandardCharsets.US_ASCII));
            inHeaders.add(socket);
        }
        List<Socket> inBody = new ArrayList<>();
        for (int i = 0; i < STALLED_IN_BODY; i++) {
            Socket socket = connect(0);
            send(socket, ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + LARGEST_RESPONSE + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            send(socket, new byte[900 << 10]);
            inBody.add(socket);
        }

        // The client that behaves: one keep-alive connection, answers checked byte for byte, until every stalled
        // and non-reading connection has been closed by its timeout (and a few rounds after).
        Socket good = connect(0);
        good.setSoTimeout(20_000);
        InputStream goodIn = new BufferedInputStream(good.getInputStream());
        Random random = new Random(24);
        int rounds = 0;
        int roundsAfterAllClosed = 0;
        while (roundsAfterAllClosed < 3) {
            if (closedByTimeouts(stats)) {
                roundsAfterAllClosed++;
            }
            send(good, "GET /fixed/1024k HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Response fixed = read(goodIn);
            assertEquals(200, fixed.status);
            assertArrayEquals(pattern(LARGEST_RESPONSE), fixed.body);
            byte[] body = new byte[64 << 10];
            random.nextBytes(body);
            send(good, ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            send(good, body);
            Response echo = read(goodIn);
            assertEquals(200, echo.status);
            assertArrayEquals(body, echo.body);
            rounds++;
        }
        sampling.set(false);
        sampler.join();

        assertEquals(STALLED_IN_BODY, stats.closedReadTimeoutCount(), stats.report());
        assertEquals(PIPELINERS, stats.closedWriteTimeoutCount(), stats.report());
        assertEquals(STALLED_IN_HEADERS, stats.closedIdleCount(), stats.report());
        assertEquals(1, stats.connectionsOpen(), "only the client that behaves is left\n" + stats.report());
        for (Socket socket : inHeaders) {
            assertEquals(-1, socket.getInputStream().read(), "stalled in the headers: closed without an answer");
        }
        for (Socket socket : inBody) {
            Response timedOut = read(new BufferedInputStream(socket.getInputStream()));
            assertEquals(408, timedOut.status, "stalled in the body: 408, then closed");
            assertEquals("close", timedOut.headers.get("connection"));
        }
        for (Socket socket : pipeliners) {
            assertTrue(closedAfterDraining(socket), "the client that did not read was closed");
        }
        assertTrue(peakInUse.get() <= bound, "in use peaked at " + peakInUse.get() + " B, above the bound "
            + MAX_PIPELINED + " x " + LARGEST_RESPONSE + " B x " + connections + " connections = " + bound + " B");
        assertTrue(stats.inFlightPeak() <= MAX_PIPELINED, stats.report());
        System.out.printf(Locale.ROOT, "%s: in use peaked at %.1f MiB (bound %.0f MiB), %d rounds of the good client%n",
            mode, peakInUse.get() / 1048576.0, bound / 1048576.0, rounds);

        // Each stalled or non-reading connection logged once, at INFO, naming the timeout.
        Map<String, Integer> recordsPerConnection = new HashMap<>();
        for (LogRecord record : logged) {
            assertEquals(Level.INFO, record.getLevel(), record.getMessage());
            String connection = record.getMessage().substring(0, record.getMessage().indexOf(": "));
            recordsPerConnection.merge(connection, 1, Integer::sum);
        }
        assertEquals(STALLED_IN_BODY + PIPELINERS, recordsPerConnection.size(), "records: " + messages());
        recordsPerConnection.forEach((connection, count) -> assertEquals(1, count, connection + ": " + messages()));
        assertEquals(STALLED_IN_BODY, count("read timeout"), messages());
        assertEquals(PIPELINERS, count("write timeout"), messages());

        good.close();
        server.stop();
        assertEquals(0, server.allocator().inUseBytes(), "every buffer back after stop\n" + stats.report());
    }

    @ParameterizedTest
    @ValueSource(strings = {"event-loop", "blocking"})
    void shouldAnswerPipelinedRequestsInOrderWithNoMoreInFlightThanTheLimit(String mode) throws Exception {
        server = HttpServerExample.start(options(HandlerMode.parse(mode)));
        Socket socket = connect(0);
        socket.setSoTimeout(20_000);
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            requests.append("GET /fixed/").append(i * 100).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        send(socket, requests.toString().getBytes(StandardCharsets.US_ASCII));
        InputStream in = new BufferedInputStream(socket.getInputStream());
        for (int i = 0; i < 100; i++) {
            Response response = read(in);
            assertEquals(200, response.status);
            assertArrayEquals(pattern(i * 100), response.body, "response " + i + " in order");
        }
        ServerStats stats = server.stats();
        assertTrue(stats.inFlightPeak() >= 1 && stats.inFlightPeak() <= MAX_PIPELINED, stats.report());
        assertTrue(logged.isEmpty(), messages());
        socket.close();
        server.stop();
        assertEquals(0, server.allocator().inUseBytes(), stats.report());
    }

    private static ServerOptions options(HandlerMode mode) {
        ServerOptions options = new ServerOptions();
        options.port = 0;
        options.percpuMode = "auto";
        options.mode = mode;
        options.workers = 4;
        options.ioThreads = 2;
        options.maxMemory = "256m";
        options.maxPipelined = MAX_PIPELINED;
        return options;
    }

    private boolean closedByTimeouts(ServerStats stats) {
        return stats.closedReadTimeoutCount() >= STALLED_IN_BODY && stats.closedWriteTimeoutCount() >= PIPELINERS
            && stats.closedIdleCount() >= STALLED_IN_HEADERS;
    }

    /** A loopback connection; {@code receiveBuffer} > 0 sets a small socket receive buffer (a client slow to take bytes). */
    private Socket connect(int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5000);
        return socket;
    }

    private static void send(Socket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    /** Reads what the server had sent until it closed the connection: true once end of stream or a reset is seen. */
    private static boolean closedAfterDraining(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        byte[] chunk = new byte[64 << 10];
        try {
            InputStream in = socket.getInputStream();
            while (in.read(chunk) >= 0) {
                // Responses written before the close.
            }
            return true;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException open) {
            return false;
        }
    }

    private long count(String text) {
        return logged.stream().filter(record -> record.getMessage().contains(text)).count();
    }

    private String messages() {
        StringBuilder all = new StringBuilder();
        logged.forEach(record -> all.append(record.getLevel()).append(' ').append(record.getMessage()).append('\n'));
        return all.toString();
    }

    private static byte[] pattern(int size) {
        byte[] expected = new byte[size];
        for (int i = 0; i < size; i++) {
            expected[i] = Responses.patternByte(i);
        }
        return expected;
    }

    /** One HTTP/1.1 response with a {@code Content-Length} body. */
    private static final class Response {
        final int status;
        final Map<String, String> headers;
        final byte[] body;

        Response(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        assertNotNull(statusLine, "the connection closed before a response");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (String header; !(header = line(in)).isEmpty(); ) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Response(status, headers, body);
    }

    /** A CRLF-terminated line without its end; null at end of stream before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.US_ASCII);
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }
}
