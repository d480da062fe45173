package dev.percpu;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;

/**
 * Who runs an allocator's background maintenance (a {@link SlabAllocator}'s
 * rebalancer, a {@link SizeClassAllocator}'s hand-back) or a statistics
 * publisher: a thread of its own, or the application's duty cycle. Immutable.
 *
 * <ul>
 *   <li>{@link #ownThread()}, the default: an Agrona {@link AgentRunner} on a
 *       new daemon thread named after the agent's role ({@code percpu-rebalancer},
 *       {@code percpu-handback}, {@code percpu-stats}); an error thrown by a duty
 *       cycle goes to the agent's {@link System.Logger} at ERROR and the next
 *       cycle runs as usual. {@link #withThreadFactory} and
 *       {@link #withErrorHandler} replace either.</li>
 *   <li>{@link #application()}: no thread is started. The allocator's
 *       {@code maintenanceAgent()} (or the publisher itself) is an Agrona
 *       {@code Agent} the application schedules in its own
 *       {@code AgentRunner}, {@code CompositeAgent} or {@code AgentInvoker};
 *       errors go to that runner's error handler.</li>
 * </ul>
 *
 * <p>A thread factory's thread runs the agent's whole life: it is started
 * with the allocator (or publisher) and ends when that is closed. Make it a
 * daemon unless the application closes every allocator before it exits.
 * Agrona's {@code AgentRunner} renames the thread after the agent's role
 * when it starts running.
 */
public final class MaintenanceRunner {
    private static final MaintenanceRunner OWN_THREAD = new MaintenanceRunner(false, null, null);
    private static final MaintenanceRunner APPLICATION = new MaintenanceRunner(true, null, null);

    private final boolean application;
    private final ThreadFactory threadFactory;
    private final ErrorHandler errorHandler;

    private MaintenanceRunner(boolean application, ThreadFactory threadFactory, ErrorHandler errorHandler) {
        this.application = application;
        this.threadFactory = threadFactory;
        this.errorHandler = errorHandler;
    }

    /** A thread of the agent's own, made and handled as the class comment says. */
    public static MaintenanceRunner ownThread() {
        return OWN_THREAD;
    }

    /** No thread: the application runs the agent in its duty cycle. */
    public static MaintenanceRunner application() {
        return APPLICATION;
    }

    /**
     * This runner, making its thread with {@code factory} (called once per
     * agent, with the {@code AgentRunner} to run).
     *
     * @throws IllegalStateException on {@link #application()}, which makes no thread
     */
    public MaintenanceRunner withThreadFactory(ThreadFactory factory) {
        Objects.requireNonNull(factory, "factory");
        ensureOwnThread("a thread factory");
        return new MaintenanceRunner(false, factory, errorHandler);
    }

    /**
     * This runner, handing an error thrown by a duty cycle to {@code handler}
     * (on the agent's thread) instead of the log; the next cycle runs as usual.
     *
     * @throws IllegalStateException on {@link #application()}, whose errors go to the application's runner
     */
    public MaintenanceRunner withErrorHandler(ErrorHandler handler) {
        Objects.requireNonNull(handler, "handler");
        ensureOwnThread("an error handler");
        return new MaintenanceRunner(false, threadFactory, handler);
    }

    /** Whether the application runs the agent (no thread is started). */
    public boolean isApplication() {
        return application;
    }

    /** The factory of the agent's thread; empty: a daemon thread named after the agent's role. */
    public Optional<ThreadFactory> threadFactory() {
        return Optional.ofNullable(threadFactory);
    }

    /** Where a duty cycle's error goes; empty: the agent's {@link System.Logger}, at ERROR. */
    public Optional<ErrorHandler> errorHandler() {
        return Optional.ofNullable(errorHandler);
    }

    private void ensureOwnThread(String what) {
        if (application) {
            throw new IllegalStateException("an application-run agent has no thread of its own, so no " + what
                + "; start from MaintenanceRunner.ownThread()");
        }
    }

    @Override
    public String toString() {
        return application ? "run by the application"
            : "own thread" + (threadFactory != null ? " from " + threadFactory : "")
                + (errorHandler != null ? ", errors to " + errorHandler : "");
    }
}
