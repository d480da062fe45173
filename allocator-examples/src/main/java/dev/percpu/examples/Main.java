package dev.percpu.examples;

import dev.percpu.examples.load.FixedRateClient;
import dev.percpu.examples.pipeline.ZeroGcPipeline;
import dev.percpu.examples.server.HttpServerExample;
import dev.percpu.examples.stats.StatsCommand;
import java.util.Arrays;

/**
 * The entry point of {@code percpu-examples.jar}: {@code java -jar
 * percpu-examples.jar [command] [arguments]}, so every command runs with the
 * JVM flags of the jar's manifest (native access, add-opens). Commands:
 * <ul>
 *   <li>{@code demo} (the default, also with no arguments): {@link Demo};</li>
 *   <li>{@code server}: the Netty HTTP server, {@link HttpServerExample};</li>
 *   <li>{@code pipeline}: the zero-GC producer/consumer pipeline, {@link ZeroGcPipeline};</li>
 *   <li>{@code load}: the fixed-rate HTTP load client, {@link FixedRateClient};</li>
 *   <li>{@code stats}: live statistics of processes that publish them, {@link StatsCommand}.</li>
 * </ul>
 * The JMH benchmarks are in allocator-benchmarks ({@code percpu-benchmarks.jar}).
 * When the first argument is neither a command name nor {@code help},
 * every argument goes to the demo ({@code java -jar percpu-examples.jar 5 8}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "demo" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "demo":
                Demo.main(rest);
                break;
            case "server":
                HttpServerExample.main(rest);
                break;
            case "pipeline":
                ZeroGcPipeline.main(rest);
                break;
            case "load":
                FixedRateClient.main(rest);
                break;
            case "stats":
                StatsCommand.main(rest);
                break;
            case "help":
            case "--help":
            case "-h":
                System.out.println("usage: java -jar percpu-examples.jar [demo|server|pipeline|load|stats|help] [arguments]");
                System.out.println("  each command prints its own arguments with --help");
                break;
            default:
                Demo.main(args);
        }
    }
}
