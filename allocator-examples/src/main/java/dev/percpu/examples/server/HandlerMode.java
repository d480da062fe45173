package dev.percpu.examples.server;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the server builds a response: on the event loop that read the
 * request, on a fixed pool of blocking platform threads (the pattern in which
 * per-thread caches multiply), or on a new virtual thread per request.
 */
public enum HandlerMode {
    /** On the event loop (no hand-off). */
    EVENT_LOOP,
    /**
     * On a fixed pool of platform threads ({@code --workers}, default 256)
     * whose waiting queue holds at most {@code --max-queued} requests.
     */
    BLOCKING,
    /** On a new virtual thread per request (JDK 21+). */
    VIRTUAL;

    /** Parses {@code event-loop}, {@code blocking} or {@code virtual}. */
    public static HandlerMode parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown handler mode '" + name + "'; one of event-loop, blocking, virtual",
                e);
        }
    }

    /** The command-line spelling. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True when this JVM can run the mode (virtual threads need JDK 21+). */
    public boolean available() {
        return this != VIRTUAL || Runtime.version().feature() >= 21;
    }

    /**
     * The executor the handlers hand requests to, or null for {@link #EVENT_LOOP}.
     * The blocking pool rejects a task ({@link java.util.concurrent.RejectedExecutionException})
     * when {@code maxQueued} wait already; virtual threads start one per task.
     *
     * @throws UnsupportedOperationException for {@link #VIRTUAL} on a JVM older than 21
     */
    ExecutorService newExecutor(int workers, int maxQueued) {
        switch (this) {
            case EVENT_LOOP:
                return null;
            case BLOCKING:
                AtomicInteger ids = new AtomicInteger();
                // A fixed pool creates a new thread for each task until it has `workers`: all of them allocate.
                return new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(maxQueued), task -> {
                    Thread thread = new Thread(task, "http-worker-" + ids.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
            case VIRTUAL:
                if (!available()) {
                    throw new UnsupportedOperationException("handler mode virtual needs virtual threads (JDK 21+); this JVM is "
                        + Runtime.version() + ": use event-loop or blocking, or run on JDK 21+");
                }
                try {
                    // Reflection: the examples compile for Java 17, where the method does not exist.
                    return (ExecutorService) java.util.concurrent.Executors.class
                        .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
                } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
                    throw new UnsupportedOperationException("virtual threads unavailable on " + Runtime.version(), e);
                }
            default:
                throw new AssertionError(this);
        }
    }
}
