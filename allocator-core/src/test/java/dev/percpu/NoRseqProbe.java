package dev.percpu;

import dev.percpu.bridge.BlockCalls;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.RseqCalls;
import dev.percpu.bridge.StackCalls;
import dev.percpu.runtime.Mode;

/**
 * Main class for {@link RseqUnavailableTest}, run in a JVM started with
 * {@code PERCPU_RSEQ=off}: prints what the allocator and the bridge do when
 * no thread has rseq, as {@code key=value} lines.
 */
public final class NoRseqProbe {
    private NoRseqProbe() {
    }

    public static void main(String[] args) {
        StackCalls bridge = Bridges.stacks();
        System.out.println("rseqStatus=" + RseqCalls.rseqStatus());
        long block = BlockCalls.createBlock(RseqCalls.possibleCpus(), 4);
        System.out.println("rseqPush=" + bridge.push(block, false, 1));
        System.out.println("rseqPop=" + bridge.pop(block, false));
        BlockCalls.destroyBlock(block);
        try (SlabAllocator auto = SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(100).build())) {
            System.out.println("autoMode=" + auto.mode());
            long[] slots = new long[100];
            int n = auto.allocate(slots, 100);
            auto.free(slots, n);
            System.out.println("autoRoundTrip=" + n + " inUse=" + auto.stats().inUse());
        }
        try {
            SlabAllocator.create(SlabConfig.builder().slotSize(64).capacitySlots(100).mode(Mode.RSEQ).build()).close();
            System.out.println("rseqMode=created");
        } catch (IllegalStateException e) {
            System.out.println("rseqMode=refused: " + e.getMessage());
        }
    }
}
