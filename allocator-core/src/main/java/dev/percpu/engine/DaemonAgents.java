package dev.percpu.engine;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * Starts the engine's background agents (rebalancer, hand-back) each on a daemon thread named
 * after its role: an allocator that is never closed must not keep the JVM alive.
 */
final class DaemonAgents {
    private DaemonAgents() {
    }

    /** Runs {@code agent} on a new daemon thread; closing the returned runner stops it. */
    static AgentRunner start(Agent agent, IdleStrategy idleStrategy, ErrorHandler errors) {
        AgentRunner runner = new AgentRunner(idleStrategy, errors, null, agent);
        AgentRunner.startOnThread(runner, task -> {
            Thread thread = new Thread(task, agent.roleName());
            thread.setDaemon(true);
            return thread;
        });
        return runner;
    }
}
