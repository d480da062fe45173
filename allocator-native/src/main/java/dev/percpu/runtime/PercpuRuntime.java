package dev.percpu.runtime;

import dev.percpu.bridge.BlockCalls;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.NativeCodes;
import dev.percpu.bridge.NativeLibrary;
import dev.percpu.bridge.RseqCalls;

/**
 * What percpu found in this process: the facts a user needs to know about
 * the runtime, without reaching into the internals. Every method loads the
 * native library on first use.
 */
public final class PercpuRuntime {
    private PercpuRuntime() {
    }

    /** The mode a pool created now by the calling thread with {@link Mode#AUTO} would run in. */
    public static Mode defaultMode() {
        return Mode.AUTO.resolved();
    }

    /** The calling thread's rseq registration. */
    public static Registration registration() {
        switch (RseqCalls.rseqStatus()) {
            case NativeCodes.RSEQ_GLIBC:
                return Registration.GLIBC;
            case NativeCodes.RSEQ_OWN:
                return Registration.OWN;
            default:
                return Registration.NONE;
        }
    }

    /** How remote access (drain, steal, rebalancer, close) fences a CPU in this process. */
    public static RemoteFence remoteFence() {
        return BlockCalls.fenceKind() == NativeCodes.FENCE_MEMBARRIER ? RemoteFence.MEMBARRIER : RemoteFence.AFFINITY;
    }

    /** "jni" or "ffm": the binding of the fast native calls (system property {@code percpu.bridge}). */
    public static String bridge() {
        return Bridges.name();
    }

    /** Where the native library was loaded from (its extracted copy is deleted right after loading). */
    public static String library() {
        NativeLibrary.load();
        return NativeLibrary.loadedFrom();
    }

    /** Possible CPUs of this machine: the number of per-CPU stacks every pool keeps. */
    public static int possibleCpus() {
        return RseqCalls.possibleCpus();
    }
}
