package dev.percpu.benchmarks.baselines;

import dev.percpu.benchmarks.support.PairBench;
import io.netty.util.Recycler;

/**
 * Nanoseconds per {@code get()} + {@code recycle} pair on a Netty
 * {@link Recycler} of small objects (Netty's object pool) with default
 * settings, on JMH's plain threads. Netty 4.2's Recycler keeps objects only
 * for threads whose thread-locals it can clean up ({@code FastThreadLocalThread}s)
 * unless configured otherwise, so here it may hand out a new object per
 * {@code get()}: see {@link NettyRecyclerEventLoopBench} for the event-loop
 * case. Compare with {@code ObjectPoolBench}. One recycler is shared by
 * all benchmark threads.
 */
public class NettyRecyclerBench extends PairBench {
    private Recycler<RecycledItem> recycler;

    @Override
    protected final void open() {
        recycler = RecycledItem.recycler();
    }

    @Override
    protected final long pair() {
        return RecycledItem.pair(recycler);
    }
}
