package dev.percpu.integrations;

import dev.percpu.netty.PercpuByteBufAllocator;

/**
 * The figures of a {@link PercpuByteBufAllocator} a recipe test compares before and after the
 * framework served requests: blocks carved per size class (exact, they only grow) and the large
 * path's buffers. A framework that took its buffers elsewhere leaves them where they were.
 */
public final class PercpuTraffic {
    private final PercpuByteBufAllocator allocator;
    private final long[] carvedBefore;

    private PercpuTraffic(PercpuByteBufAllocator allocator) {
        this.allocator = allocator;
        this.carvedBefore = carved(allocator);
    }

    /** The allocator's figures now, to compare with after the traffic. */
    public static PercpuTraffic before(PercpuByteBufAllocator allocator) {
        return new PercpuTraffic(allocator);
    }

    /** Blocks carved by the size classes since {@link #before}, over all classes. */
    public long blocksCarvedSince() {
        long[] now = carved(allocator);
        long sum = 0;
        for (int i = 0; i < now.length; i++) {
            sum += now[i] - carvedBefore[i];
        }
        return sum;
    }

    /** Size classes that carved a block since {@link #before}, as "size:blocks" pairs, for messages. */
    public String classesUsedSince() {
        long[] now = carved(allocator);
        StringBuilder used = new StringBuilder();
        for (int i = 0; i < now.length; i++) {
            if (now[i] > carvedBefore[i]) {
                used.append(used.length() == 0 ? "" : " ").append(allocator.classSize(i)).append(':')
                    .append(now[i] - carvedBefore[i]);
            }
        }
        return used.length() == 0 ? "none" : used.toString();
    }

    private static long[] carved(PercpuByteBufAllocator allocator) {
        long[] carved = new long[allocator.classCount()];
        for (int i = 0; i < carved.length; i++) {
            carved[i] = allocator.classStats(i).carvedSlots();
        }
        return carved;
    }
}
