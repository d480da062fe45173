package dev.percpu.examples.load;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A fixed-rate (open-loop) HTTP/1.1 load client for latency percentiles
 * free of coordinated omission: request {@code k} of connection {@code c} is
 * due at {@code start + (k * connections + c) / rate}, and its latency is
 * counted from that due time, not from when it could be sent. A server that
 * stalls therefore shows its stall in every request that should have gone
 * out meanwhile, which a closed-loop client such as {@code wrk} does not.
 * One platform thread per keep-alive connection; responses are read by
 * {@code Content-Length}; any status but 200 counts as an error.
 *
 * <pre>
 *   java -jar percpu-examples.jar load --url http://127.0.0.1:8080/fixed/16k --rate 5000 --connections 16 --seconds 10
 * </pre>
 * It prints one line of {@code key=value} pairs (latencies in microseconds)
 * for scripts.
 */
public final class FixedRateClient {
    static final String USAGE = String.join("\n",
        "usage: java -jar percpu-examples.jar load --url URL [options]",
        "  --url URL          http://host:port/path (loopback in our scripts)",
        "  --method M         GET or POST (default GET)   --body N  POST body bytes (default 16384)",
        "  --rate R           requests per second over all connections (default 1000)",
        "  --connections N    keep-alive connections, one thread each (default 16)",
        "  --seconds S        measured seconds (default 10)   --warmup S  seconds not recorded (default 2)");

    private FixedRateClient() {
    }

    public static void main(String[] args) throws Exception {
        String url = null;
        String method = "GET";
        int bodyBytes = 16384;
        double rate = 1000;
        int connections = 16;
        double seconds = 10;
        double warmupSeconds = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String value = args[i + 1];
            switch (args[i]) {
                case "--url": url = value; break;
                case "--method": method = value.toUpperCase(Locale.ROOT); break;
                case "--body": bodyBytes = Integer.parseInt(value); break;
                case "--rate": rate = Double.parseDouble(value); break;
                case "--connections": connections = Integer.parseInt(value); break;
                case "--seconds": seconds = Double.parseDouble(value); break;
                case "--warmup": warmupSeconds = Double.parseDouble(value); break;
                default: url = null; i = args.length; break;
            }
        }
        if (url == null || rate <= 0 || connections <= 0) {
            System.out.println(USAGE);
            System.exit(url == null ? 2 : 0);
            return;
        }
        URI uri = URI.create(url);
        byte[] request = request(uri, method, bodyBytes);
        long periodNanos = Math.max(1, (long) (1e9 / rate));
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        long measureFrom = start + (long) (warmupSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        AtomicLong errors = new AtomicLong();
        List<Connection> all = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Connection connection = new Connection(uri, request, start + c * periodNanos, periodNanos * connections,
                measureFrom, end, errors);
            all.add(connection);
            connection.thread.start();
        }
        Connection.sleepNanos(measureFrom - System.nanoTime());
        long[] clientBefore = clientPauses();
        Histogram merged = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long completed = 0;
        for (Connection connection : all) {
            connection.thread.join();
            merged.add(connection.latency);
            completed += connection.latency.getTotalCount();
        }
        long[] clientAfter = clientPauses();
        System.out.printf(Locale.ROOT, "fixed-rate url=%s method=%s rate=%.0f achieved=%.0f connections=%d requests=%d "
                + "errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f client_gcs=%d "
                + "client_gc_ms=%d client_jit_ms=%d%n",
            url, method, rate, completed / seconds, connections, completed, errors.get(),
            merged.getValueAtPercentile(50) / 1e3, merged.getValueAtPercentile(90) / 1e3,
            merged.getValueAtPercentile(99) / 1e3, merged.getValueAtPercentile(99.9) / 1e3, merged.getMaxValue() / 1e3,
            clientAfter[0] - clientBefore[0], clientAfter[1] - clientBefore[1], clientAfter[2] - clientBefore[2]);
    }

    /**
     * This client's own collections, their time and the JIT's compile time (ms) so far: an open-loop
     * client's pauses are latency it records, so the measured window's share is printed beside the
     * percentiles.
     */
    private static long[] clientPauses() {
        long[] pauses = new long[3];
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            pauses[0] += Math.max(0, gc.getCollectionCount());
            pauses[1] += Math.max(0, gc.getCollectionTime());
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        pauses[2] = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
        return pauses;
    }

    private static byte[] request(URI uri, String method, int bodyBytes) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        boolean post = method.equals("POST");
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
            + (post ? "Content-Type: application/octet-stream\r\nContent-Length: " + bodyBytes + "\r\n" : "") + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + (post ? bodyBytes : 0)];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        for (int i = headBytes.length; i < request.length; i++) {
            request[i] = (byte) ('a' + i % 26);
        }
        return request;
    }

    /** One keep-alive connection and its thread, sending on its own schedule. */
    private static final class Connection {
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final Thread thread;
        /** CR LF CR LF as the last four bytes read. */
        private static final int END_OF_HEAD = 0x0d0a0d0a;
        private final byte[] buffer = new byte[64 << 10];
        private InputStream in;

        Connection(URI uri, byte[] request, long firstDue, long stepNanos, long measureFrom, long end, AtomicLong errors) {
            thread = new Thread(() -> {
                Socket socket = null;
                for (long due = firstDue; due < end; due += stepNanos) {
                    while (System.nanoTime() < due) {
                        long wait = due - System.nanoTime();
                        if (wait > 200_000) {
                            sleepNanos(wait - 100_000);
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                    try {
                        if (socket == null) {
                            socket = new Socket();
                            socket.setTcpNoDelay(true);
                            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()));
                        }
                        int status = exchange(socket, request);
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        closeQuietly(socket);
                        socket = null;
                        in = null;
                    }
                    long done = System.nanoTime();
                    if (due >= measureFrom) {
                        latency.recordValue(Math.min(done - due, latency.getHighestTrackableValue()));
                    }
                }
                closeQuietly(socket);
            }, "load-connection");
            thread.setDaemon(true);
        }

        /** Sends the request, reads the whole response, returns its status. */
        private int exchange(Socket socket, byte[] request) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            if (in == null) {
                in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
            }
            StringBuilder head = new StringBuilder();
            int lastFour = 0;
            while (lastFour != END_OF_HEAD) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed in the response head");
                }
                head.append((char) b);
                lastFour = lastFour << 8 | b;
            }
            String text = head.toString();
            int status = Integer.parseInt(text.substring(9, 12));
            long length = 0;
            for (String line : text.split("\r\n")) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            while (length > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, length));
                if (n < 0) {
                    throw new IOException("connection closed in the body");
                }
                length -= n;
            }
            if (in.available() > 0) {
                throw new IOException("more bytes than the response announced");
            }
            return status;
        }

        static void sleepNanos(long nanos) {
            if (nanos <= 0) {
                return;
            }
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void closeQuietly(Socket socket) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a broken connection: nothing left to do.
                }
            }
        }
    }
}
