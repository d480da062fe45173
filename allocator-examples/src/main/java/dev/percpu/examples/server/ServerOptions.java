package dev.percpu.examples.server;

import dev.percpu.examples.shared.NamedAllocator;
import java.util.Locale;

/**
 * Settings of {@link HttpServerExample}, from the command line
 * ({@link #parse(String[])}) or set field by field in tests.
 */
public final class ServerOptions {
    static final String USAGE = String.join("\n",
        "usage: java -jar percpu-examples.jar server [options]",
        "  --allocator NAME   " + NamedAllocator.NAMES + " (default percpu)",
        "  --mode MODE        event-loop, blocking, virtual (JDK 21+) (default event-loop)",
        "  --workers N        blocking mode's platform threads (default 256)",
        "  --io-threads N     event-loop threads (default: available processors)",
        "  --host ADDRESS     (default 127.0.0.1)   --port N (default 8080; 0 = any free port)",
        "  --percpu-mode M    rseq or fallback (default rseq)",
        "  --max-memory SIZE  percpu's memory cap, e.g. 1g (default 1g)",
        "  --publish-stats B  true: publish percpu's per-class statistics for the stats command (default false)",
        "limits and timeouts (per connection unless said otherwise):",
        "  --max-pipelined N      requests read and not yet answered (response not fully written) (default 16)",
        "  --max-queued N         blocking mode: requests waiting for a worker, all connections; more get 503 (default 1024)",
        "  --write-buffer-low SIZE, --write-buffer-high SIZE",
        "                         unwritten response bytes at which reading resumes / stops (default 32k / 64k)",
        "  --read-timeout-ms N    a request body that gets no byte for this long: 408 and close (default 10000)",
        "  --write-timeout-ms N   a response that makes no progress for this long: close (default 30000)",
        "  --idle-timeout-ms N    nothing in flight and no traffic for this long (idle, or stalled in the headers): close (default 60000)");

    /** Allocator name ({@link NamedAllocator#NAMES}). */
    public String allocator = "percpu";
    /** Where responses are built. */
    public HandlerMode mode = HandlerMode.EVENT_LOOP;
    /** Platform threads of {@link HandlerMode#BLOCKING}. */
    public int workers = 256;
    /** Event-loop threads for the connections. */
    public int ioThreads = Runtime.getRuntime().availableProcessors();
    /** Address to listen on. */
    public String host = "127.0.0.1";
    /** Port, 0 for any free port. */
    public int port = 8080;
    /** percpu's mode, {@code rseq} or {@code fallback}. */
    public String percpuMode = "rseq";
    /** percpu's memory cap, a size such as {@code 1g}. */
    public String maxMemory = "1g";
    /** Publish percpu's statistics ({@code stats} command). */
    public boolean publishStats;
    /**
     * Requests of one connection read and not yet answered (their response not
     * fully handed to the socket), the one being received included; the server
     * reads no further request while this many are in flight.
     */
    public int maxPipelined = 16;
    /** {@link HandlerMode#BLOCKING}: requests waiting for a worker, over all connections; one more gets 503. */
    public int maxQueued = 1024;
    /** Unwritten response bytes of a connection at or below which it is writable again (Netty's low water mark). */
    public int writeBufferLow = 32 << 10;
    /** Unwritten response bytes of a connection above which it is not writable and the server reads no further request. */
    public int writeBufferHigh = 64 << 10;
    /** A request whose headers have arrived and whose body gets no byte for this long: 408, connection closed. */
    public int readTimeoutMs = 10_000;
    /** A connection with a response pending that makes no progress (the client does not read) for this long: closed. */
    public int writeTimeoutMs = 30_000;
    /** A connection with nothing in flight that neither reads nor writes a byte for this long: closed. */
    public int idleTimeoutMs = 60_000;
    boolean help;

    /**
     * Parses {@code --name value} pairs.
     *
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    public static ServerOptions parse(String[] args) {
        ServerOptions options = new ServerOptions();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                options.help = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--allocator": options.allocator = value; break;
                case "--mode": options.mode = HandlerMode.parse(value); break;
                case "--workers": options.workers = positive(name, value); break;
                case "--io-threads": options.ioThreads = positive(name, value); break;
                case "--host": options.host = value; break;
                case "--port": options.port = Integer.parseInt(value); break;
                case "--percpu-mode": options.percpuMode = value; break;
                case "--max-memory": options.maxMemory = value; break;
                case "--publish-stats": options.publishStats = Boolean.parseBoolean(value); break;
                case "--max-pipelined": options.maxPipelined = positive(name, value); break;
                case "--max-queued": options.maxQueued = positive(name, value); break;
                case "--write-buffer-low": options.writeBufferLow = size(name, value); break;
                case "--write-buffer-high": options.writeBufferHigh = size(name, value); break;
                case "--read-timeout-ms": options.readTimeoutMs = positive(name, value); break;
                case "--write-timeout-ms": options.writeTimeoutMs = positive(name, value); break;
                case "--idle-timeout-ms": options.idleTimeoutMs = positive(name, value); break;
                default: throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return options;
    }

    /**
     * Checks the limits: every count and timeout above 0, the low water mark
     * at most the high one.
     *
     * @throws IllegalArgumentException naming the bad setting
     */
    void validate() {
        positive("maxPipelined", maxPipelined);
        positive("maxQueued", maxQueued);
        positive("workers", workers);
        positive("ioThreads", ioThreads);
        positive("readTimeoutMs", readTimeoutMs);
        positive("writeTimeoutMs", writeTimeoutMs);
        positive("idleTimeoutMs", idleTimeoutMs);
        positive("writeBufferHigh", writeBufferHigh);
        if (writeBufferLow < 0 || writeBufferLow > writeBufferHigh) {
            throw new IllegalArgumentException("write buffer low water mark must be 0.." + writeBufferHigh
                + " (the high one): " + writeBufferLow);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
    }

    /** {@code 65536}, {@code 64k} or {@code 1m}, as an int byte count. */
    private static int size(String name, String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        int shift = lower.endsWith("k") ? 10 : lower.endsWith("m") ? 20 : 0;
        String digits = shift == 0 ? lower : lower.substring(0, lower.length() - 1);
        if (digits.isEmpty() || digits.length() > 10) {
            throw new IllegalArgumentException(name + " must be a size such as 65536, 64k or 1m: " + value);
        }
        long bytes;
        try {
            bytes = Long.parseLong(digits) << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a size such as 65536, 64k or 1m: " + value, e);
        }
        if (bytes < 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be 0.." + Integer.MAX_VALUE + " bytes: " + value);
        }
        return (int) bytes;
    }

    private static int positive(String name, String value) {
        int n = Integer.parseInt(value);
        if (n <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
        return n;
    }
}
