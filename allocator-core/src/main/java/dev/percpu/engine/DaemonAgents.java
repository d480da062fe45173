package dev.percpu.engine;

import java.util.concurrent.ThreadFactory;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * Starts the engine's background agents (rebalancer, hand-back) each on a thread of its own, run by
 * Agrona's {@link AgentRunner}. Unless the caller gives a thread factory, the thread is a daemon named
 * after the agent's role: an allocator that is never closed must not keep the JVM alive.
 */
final class DaemonAgents {
    private DaemonAgents() {
    }

    /**
     * Runs {@code agent} on a thread from {@code threads} (null: a new daemon thread named after its
     * role), errors of a duty cycle to {@code errors}; closing the returned runner stops it.
     */
    static AgentRunner start(Agent agent, IdleStrategy idleStrategy, ThreadFactory threads, ErrorHandler errors) {
        AgentRunner runner = new AgentRunner(idleStrategy, errors, null, agent);
        AgentRunner.startOnThread(runner, threads != null ? threads : task -> {
            Thread thread = new Thread(task, agent.roleName());
            thread.setDaemon(true);
            return thread;
        });
        return runner;
    }
}
