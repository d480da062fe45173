package dev.percpu.examples.server;

import dev.percpu.examples.shared.NamedAllocator;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The figures the load script reads from {@code GET /stats}, one
 * {@code name value} line each:
 * <ul>
 *   <li>{@code allocator}, {@code handler-mode}, {@code requests} (answered so far);</li>
 *   <li>{@code in-use-bytes}, {@code held-bytes}: the allocator's own figures
 *       ({@link NamedAllocator#inUseBytes()}, {@link NamedAllocator#heldBytes()});</li>
 *   <li>{@code rss-bytes}, {@code rss-peak-bytes}: {@code VmRSS} and {@code VmHWM} of
 *       {@code /proc/self/status} (-1 where it does not exist);</li>
 *   <li>{@code heap-used-bytes}; {@code allocated-bytes}: heap bytes allocated by
 *       all threads since the JVM started ({@code getTotalThreadAllocatedBytes} where the
 *       JVM has it, else the sum over live threads);</li>
 *   <li>{@code gc-count}, {@code gc-pause-ms}: collections and their time summed
 *       over the collector beans, leaving out beans whose name says
 *       {@code Concurrent} (their time is not a pause);</li>
 *   <li>{@code threads}: live threads (platform; virtual threads are not counted by the JVM here);</li>
 *   <li>{@code connections-open}; {@code in-flight-peak}: the most requests one connection
 *       had in flight (read, response not fully written), never above {@code --max-pipelined};</li>
 *   <li>{@code closed-idle}, {@code closed-read-timeout}, {@code closed-write-timeout}: connections
 *       closed by each timeout; {@code rejected-busy}: 503s because the blocking pool's queue was
 *       full; {@code internal-errors}: 500s (a response that failed to build).</li>
 * </ul>
 */
final class ServerStats {
    private static final Method TOTAL_ALLOCATED = totalAllocatedMethod();
    private final NamedAllocator allocator;
    private final HandlerMode mode;
    private final LongAdder requests = new LongAdder();
    private final LongAdder connectionsOpen = new LongAdder();
    private final LongAccumulator inFlightPeak = new LongAccumulator(Math::max, 0);
    private final LongAdder closedIdle = new LongAdder();
    private final LongAdder closedReadTimeout = new LongAdder();
    private final LongAdder closedWriteTimeout = new LongAdder();
    private final LongAdder rejectedBusy = new LongAdder();
    private final LongAdder internalErrors = new LongAdder();

    ServerStats(NamedAllocator allocator, HandlerMode mode) {
        this.allocator = allocator;
        this.mode = mode;
    }

    void countRequest() {
        requests.increment();
    }

    long requests() {
        return requests.sum();
    }

    void connectionOpened() {
        connectionsOpen.increment();
    }

    void connectionClosed() {
        connectionsOpen.decrement();
    }

    long connectionsOpen() {
        return connectionsOpen.sum();
    }

    void inFlight(int requestsOfOneConnection) {
        inFlightPeak.accumulate(requestsOfOneConnection);
    }

    long inFlightPeak() {
        return inFlightPeak.get();
    }

    void closedIdle() {
        closedIdle.increment();
    }

    long closedIdleCount() {
        return closedIdle.sum();
    }

    void closedReadTimeout() {
        closedReadTimeout.increment();
    }

    long closedReadTimeoutCount() {
        return closedReadTimeout.sum();
    }

    void closedWriteTimeout() {
        closedWriteTimeout.increment();
    }

    long closedWriteTimeoutCount() {
        return closedWriteTimeout.sum();
    }

    void rejectedBusy() {
        rejectedBusy.increment();
    }

    long rejectedBusyCount() {
        return rejectedBusy.sum();
    }

    void internalError() {
        internalErrors.increment();
    }

    long internalErrorCount() {
        return internalErrors.sum();
    }

    String report() {
        long gcCount = 0;
        long gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Concurrent")) {
                gcCount += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return "allocator " + allocator.name() + "\n"
            + "handler-mode " + mode.label() + "\n"
            + "requests " + requests() + "\n"
            + "in-use-bytes " + allocator.inUseBytes() + "\n"
            + "held-bytes " + allocator.heldBytes() + "\n"
            + "rss-bytes " + procStatusBytes("VmRSS:") + "\n"
            + "rss-peak-bytes " + procStatusBytes("VmHWM:") + "\n"
            + "heap-used-bytes " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + "\n"
            + "allocated-bytes " + allocatedBytes(threads) + "\n"
            + "gc-count " + gcCount + "\n"
            + "gc-pause-ms " + gcMillis + "\n"
            + "threads " + threads.getThreadCount() + "\n"
            + "connections-open " + connectionsOpen() + "\n"
            + "in-flight-peak " + inFlightPeak() + "\n"
            + "closed-idle " + closedIdleCount() + "\n"
            + "closed-read-timeout " + closedReadTimeoutCount() + "\n"
            + "closed-write-timeout " + closedWriteTimeoutCount() + "\n"
            + "rejected-busy " + rejectedBusyCount() + "\n"
            + "internal-errors " + internalErrorCount() + "\n";
    }

    /**
     * Heap bytes allocated by all threads since the JVM started: {@code getTotalThreadAllocatedBytes()}
     * where the JVM has it (called reflectively: Java 17's API lacks it), else the sum over live threads.
     */
    private static long allocatedBytes(com.sun.management.ThreadMXBean threads) {
        if (TOTAL_ALLOCATED != null) {
            try {
                return (long) TOTAL_ALLOCATED.invoke(threads);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return -1;
            }
        }
        long sum = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    private static Method totalAllocatedMethod() {
        try {
            return com.sun.management.ThreadMXBean.class.getMethod("getTotalThreadAllocatedBytes");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** A {@code kB} line of {@code /proc/self/status} in bytes, -1 if absent. */
    private static long procStatusBytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").trim()) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
