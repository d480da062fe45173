package dev.percpu.runtime;

import dev.percpu.bridge.Availability;
import dev.percpu.bridge.BlockCalls;
import dev.percpu.bridge.Bridges;
import dev.percpu.bridge.NativeCodes;
import dev.percpu.bridge.NativeLibrary;
import dev.percpu.bridge.RseqCalls;

/**
 * What percpu found in this process: the facts a user needs to know about
 * the runtime, without reaching into the internals. Every method loads the
 * native library on first use.
 *
 * <p>{@link #isAvailable()} and {@link #unavailabilityCause()} never throw:
 * they say whether percpu can run in this JVM (decided once: the native
 * library loads for this platform and answers). Where it cannot (another OS
 * or architecture, a C library the native library does not load on), every
 * other method here, and every entry point of the allocators, pools and
 * primitives that needs the native library, throws an
 * {@link UnsupportedOperationException} naming the cause, on every call;
 * no class initializer fails. The decision and the effective configuration
 * (library, bridge, registration, default mode, remote fence, CPUs) are
 * logged once at DEBUG to the {@link System.Logger} {@code dev.percpu.runtime}.
 */
public final class PercpuRuntime {
    private PercpuRuntime() {
    }

    /** Whether percpu can run in this JVM; never throws. */
    public static boolean isAvailable() {
        return Availability.cause() == null;
    }

    /** Why percpu cannot run in this JVM (typically an {@link UnsatisfiedLinkError}), or null where it can; never throws. */
    public static Throwable unavailabilityCause() {
        return Availability.cause();
    }

    /** The mode a pool created now by the calling thread with {@link Mode#AUTO} would run in. */
    public static Mode defaultMode() {
        Availability.require();
        return Mode.AUTO.resolved();
    }

    /** The calling thread's rseq registration. */
    public static Registration registration() {
        Availability.require();
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
        Availability.require();
        return BlockCalls.fenceKind() == NativeCodes.FENCE_MEMBARRIER ? RemoteFence.MEMBARRIER : RemoteFence.AFFINITY;
    }

    /** "jni" or "ffm": the binding of the fast native calls (system property {@code percpu.bridge}). */
    public static String bridge() {
        Availability.require();
        return Bridges.name();
    }

    /** Where the native library was loaded from (its extracted copy is deleted right after loading). */
    public static String library() {
        Availability.require();
        return NativeLibrary.loadedFrom();
    }

    /** Possible CPUs of this machine: the number of per-CPU stacks every pool keeps. */
    public static int possibleCpus() {
        Availability.require();
        return RseqCalls.possibleCpus();
    }
}
