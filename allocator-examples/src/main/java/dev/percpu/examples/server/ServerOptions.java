package dev.percpu.examples.server;

/**
 * Settings of {@link HttpServerExample}, from the command line
 * ({@link #parse(String[])}) or set field by field in tests.
 */
public final class ServerOptions {
    static final String USAGE = String.join("\n",
        "usage: java -jar percpu-examples.jar server [options]",
        "  --allocator NAME   " + ServerAllocator.NAMES + " (default percpu)",
        "  --mode MODE        event-loop, blocking, virtual (JDK 21+) (default event-loop)",
        "  --workers N        blocking mode's platform threads (default 256)",
        "  --io-threads N     event-loop threads (default: available processors)",
        "  --host ADDRESS     (default 127.0.0.1)   --port N (default 8080; 0 = any free port)",
        "  --percpu-mode M    rseq or fallback (default rseq)",
        "  --max-memory SIZE  percpu's memory cap, e.g. 1g (default 1g)",
        "  --publish-stats B  true: publish percpu's per-class statistics for the stats command (default false)");

    /** Allocator name ({@link ServerAllocator#NAMES}). */
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
                default: throw new IllegalArgumentException("unknown option " + name);
            }
        }
        return options;
    }

    private static int positive(String name, String value) {
        int n = Integer.parseInt(value);
        if (n <= 0) {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
        return n;
    }
}
