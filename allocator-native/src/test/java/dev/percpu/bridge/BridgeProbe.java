package dev.percpu.bridge;

/**
 * Main class run in forked JVMs by the loader and registration tests: loads
 * the library (its error ends the run where it cannot load), then the
 * bridge, does a push/pop round trip, and prints what it saw as
 * {@code key=value} lines.
 */
public final class BridgeProbe {
    private BridgeProbe() {
    }

    public static void main(String[] args) {
        NativeLibrary.load();
        StackCalls bridge = Bridges.stacks();
        System.out.println("bridge=" + bridge.name());
        System.out.println("loadedFrom=" + NativeLibrary.loadedFrom());
        System.out.println("skipped=" + NativeLibrary.skipped().replace('\n', ' '));
        int status = RseqCalls.rseqStatus();
        System.out.println("rseqStatus=" + status);
        long block = BlockCalls.createBlock(RseqCalls.possibleCpus(), 8);
        // Pinned, so that push and pop use the same CPU's stack even when several JVMs compete.
        RseqCalls.pinCurrentThread(RseqCalls.currentCpu());
        try {
            boolean fallback = status == NativeCodes.RSEQ_UNAVAILABLE;
            int pushed = bridge.push(block, fallback, 5);
            int popped = bridge.pop(block, fallback);
            System.out.println("roundTrip=" + (pushed == 0 && popped == 5 ? "ok" : "failed " + pushed + " " + popped));
        } finally {
            BlockCalls.destroyBlock(block);
        }
    }
}
