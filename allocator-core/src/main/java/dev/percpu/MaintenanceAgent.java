package dev.percpu;

import java.util.function.BooleanSupplier;
import org.agrona.concurrent.Agent;

/**
 * An allocator's background maintenance as an Agrona {@link Agent} the
 * application schedules itself: a {@link SlabAllocator}'s rebalancer
 * ({@link SlabAllocator#maintenanceAgent()}) or a {@link SizeClassAllocator}'s
 * hand-back ({@link SizeClassAllocator#maintenanceAgent()}), configured with
 * {@link MaintenanceRunner#application()} so that the allocator starts no
 * thread of its own.
 *
 * <pre>{@code
 * AgentRunner runner = new AgentRunner(idle, errors, null,
 *     new CompositeAgent(myAgent, slabs.maintenanceAgent()));
 * }</pre>
 *
 * <p>Duty cycle: {@link #doWork()} returns 0 until the allocator's period
 * (the rebalancer's) or window (the hand-back's) has passed since the last
 * piece of work, then does one round and returns 1; call it as often as the
 * application's duty cycle runs, from one thread at a time (as Agrona's
 * runners and invokers do). The work takes the pool's maintenance lock, so
 * it never overlaps the allocator's slow paths, {@code stats()}, {@code drain()}
 * or {@code close()}; an exception it throws goes to the application's
 * runner's error handler, and the next call runs as usual.
 *
 * <p>Closing: closing the allocator does not remove the agent from the
 * application's runner. Once the allocator is closed {@link #doWork()} does
 * nothing and returns 0, however often it is called; a call racing with
 * close either finishes its round before close proceeds or finds the pool
 * closed. {@link #onClose()} (called when the application's runner closes)
 * does nothing: the application closes the allocator itself.
 */
public final class MaintenanceAgent implements Agent {
    private final Agent work;
    private final BooleanSupplier ownerClosed;

    /** The agent doing {@code work} for an allocator whose {@code isClosed} is {@code ownerClosed}. */
    MaintenanceAgent(Agent work, BooleanSupplier ownerClosed) {
        this.work = work;
        this.ownerClosed = ownerClosed;
    }

    /** One round when its time has come (see the class comment); 0 when none was due or the allocator is closed. */
    @Override
    public int doWork() throws Exception {
        if (ownerClosed.getAsBoolean()) {
            return 0;
        }
        return work.doWork();
    }

    /** {@code percpu-rebalancer} or {@code percpu-handback}. */
    @Override
    public String roleName() {
        return work.roleName();
    }

    /** Does nothing: the allocator outlives the application's runner unless the application closes it. */
    @Override
    public void onClose() {
    }
}
