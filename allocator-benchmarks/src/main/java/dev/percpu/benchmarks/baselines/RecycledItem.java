package dev.percpu.benchmarks.baselines;

import io.netty.util.Recycler;

/** The small object the Netty Recycler benchmarks pool; the same shape as {@code ObjectPoolBench.Item}. */
final class RecycledItem {
    private final Recycler.Handle<RecycledItem> handle;
    long value;

    private RecycledItem(Recycler.Handle<RecycledItem> handle) {
        this.handle = handle;
    }

    static Recycler<RecycledItem> recycler() {
        return new Recycler<RecycledItem>() {
            @Override
            protected RecycledItem newObject(Handle<RecycledItem> handle) {
                return new RecycledItem(handle);
            }
        };
    }

    /** get, write one field, recycle; returns the field's new value. */
    static long pair(Recycler<RecycledItem> recycler) {
        RecycledItem item = recycler.get();
        long value = ++item.value;
        item.handle.recycle(item);
        return value;
    }
}
